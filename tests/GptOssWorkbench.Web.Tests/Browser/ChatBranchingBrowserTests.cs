namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>Edit-and-resend and regenerate in a real browser with the demo model: branches stay in one conversation and old runs stay.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class ChatBranchingBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    private async Task<IPage> OpenChatAsync()
    {
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(60_000);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync("/chat");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await page.GetByTestId("chat-settings-toggle").ClickAsync();
        await page.GetByTestId("chat-max-tokens").FillAsync("96");
        return page;
    }

    private static Task WaitForAnswersAsync(IPage page, int finished) =>
        Expect(page.GetByTestId("run-stats")).ToHaveCountAsync(finished, new() { Timeout = 90_000 });

    private async Task<(List<Message> Users, List<long> Runs)> StoredAsync(long conversationId)
    {
        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var users = await db.Messages.Where(m => m.ConversationId == conversationId && m.Role == MessageRole.User && m.RunId == null).OrderBy(m => m.Id).ToListAsync();
        var runs = await db.Runs.Where(r => r.ConversationId == conversationId).OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
        return (users, runs);
    }

    [Fact]
    public async Task Ctrl_enter_sends_and_editing_the_first_or_a_later_message_branches_inside_the_same_conversation()
    {
        var page = await OpenChatAsync();

        // Ctrl+Enter in the composer sends (plain Enter makes a new line).
        await page.GetByTestId("chat-input").FillAsync("What is 2 + 3?");
        await page.GetByTestId("chat-input").PressAsync("Control+Enter");
        await page.WaitForUrlOrExplainAsync("**/chat/*", host.Host);
        var conversationId = long.Parse(page.Url.Split('/')[^1]);
        await WaitForAnswersAsync(page, 1);
        var conversations = await CountConversationsAsync();

        // Edit the FIRST message: a second root in the same conversation, the old run kept.
        await page.GetByTestId("edit-message").ClickAsync();
        await page.GetByTestId("edit-text").FillAsync("What is 4 + 4?");
        await page.GetByTestId("edit-send").ClickAsync();
        await Expect(page.GetByTestId("edit-text")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("branch-position")).ToHaveTextAsync("2/2");
        await WaitForAnswersAsync(page, 1);
        Assert.EndsWith($"/chat/{conversationId}", page.Url);
        await Expect(page.GetByTestId("chat-user")).ToContainTextAsync("What is 4 + 4?");
        var (users, runs) = await StoredAsync(conversationId);
        Assert.Equal(["What is 2 + 3?", "What is 4 + 4?"], users.Select(u => u.Content));
        Assert.All(users, u => Assert.Null(u.ParentMessageId));
        Assert.Equal(2, runs.Count);

        // The arrows switch back to the old version with its own answer.
        await page.GetByLabel("Previous version").ClickAsync();
        await Expect(page.GetByTestId("branch-position")).ToHaveTextAsync("1/2");
        await Expect(page.GetByTestId("chat-user")).ToContainTextAsync("What is 2 + 3?");
        await page.GetByLabel("Next version").ClickAsync();
        await Expect(page.GetByTestId("chat-user")).ToContainTextAsync("What is 4 + 4?");

        // Regenerate: a second answer to the same message, the first one kept.
        await page.GetByTestId("regenerate").ClickAsync();
        await Expect(page.GetByTestId("answer-position")).ToHaveTextAsync("answer 2/2");
        await WaitForAnswersAsync(page, 1);
        Assert.Equal(3, (await StoredAsync(conversationId)).Runs.Count);

        // A later message, then its edit: a sibling after the same answer, still in this conversation.
        await page.GetByTestId("chat-input").FillAsync("What is 5 + 1?");
        await page.GetByTestId("chat-send").ClickAsync();
        await Expect(page.GetByTestId("chat-user")).ToHaveCountAsync(2);
        await WaitForAnswersAsync(page, 2);
        await page.GetByTestId("edit-message").Nth(1).ClickAsync();
        await page.GetByTestId("edit-text").FillAsync("What is 6 + 1?");
        await page.GetByTestId("edit-send").ClickAsync();
        // Wait for what only the stored edit can show. Until the server handles the click, the open editor still holds
        // the new text, the first turn's "2/2" is the last branch position on the page and the old answer to
        // "5 + 1" makes two answers: checks on those pass before anything is stored (a loaded CI runner caught it).
        await Expect(page.GetByTestId("edit-text")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("chat-user").Nth(1).GetByTestId("branch-position")).ToHaveTextAsync("2/2");
        await Expect(page.GetByTestId("chat-user").Nth(1)).ToContainTextAsync("What is 6 + 1?");
        await WaitForAnswersAsync(page, 2);
        Assert.EndsWith($"/chat/{conversationId}", page.Url);
        (users, runs) = await StoredAsync(conversationId);
        var later = users.Where(u => u.ParentMessageId is not null).ToList();
        Assert.Equal(["What is 5 + 1?", "What is 6 + 1?"], later.Select(u => u.Content));
        Assert.Single(later.Select(u => u.ParentMessageId).Distinct());
        Assert.Equal(5, runs.Count);
        Assert.Equal(conversations, await CountConversationsAsync());
    }

    private async Task<int> CountConversationsAsync()
    {
        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.Conversations.CountAsync();
    }
}
