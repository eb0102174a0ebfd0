namespace GptOssWorkbench.Web.Tests.Chat;

using Bunit;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Chat;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The chat page on a real host's services and SQLite file follows only the runs of its conversation: not every
/// run of the process (a batch's tokens reached every chat circuit before), and not the runs of a conversation it left.
/// No job server: the runs stay queued, and the test publishes their updates through the real notifier as a worker would.
/// </summary>
public sealed class ChatSubscriptionTests : ChatPageTest
{
    private static RunSettings Settings => new() { ModelName = "tiny", MaxTokens = 8 };

    [Fact]
    public async Task A_chat_page_follows_the_run_it_sends_and_hears_no_other_run()
    {
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            db.RegisteredModels.Add(new RegisteredModel { Name = "tiny", FolderPath = Host.TempDirectory, Layout = "huggingface", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var navigation = Services.GetRequiredService<NavigationManager>();
        var page = Render<ChatPage>();
        Assert.Empty(Updates.SubscribedRunIds);
        page.WaitForElement("textarea[data-testid=chat-input], [data-testid=chat-input] textarea").Input("What is 2 + 2?");
        page.WaitForElement("button[data-testid=chat-send]:not([disabled])").Click();
        page.WaitForAssertion(() => Assert.Matches(@"/chat/\d+$", navigation.Uri));
        long runId;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            var run = await db.Runs.SingleAsync();
            runId = run.Id;
            // bUnit has no router: give the page the conversation it navigated to, as the router would.
            page.Render(p => p.Add(c => c.ConversationId, run.ConversationId));
        }

        // Another chat's run, started elsewhere: the page does not subscribe to it (nor to every run).
        var other = await Host.Services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "Elsewhere", Settings));
        Assert.Equal([runId], Updates.SubscribedRunIds);

        // Its own run streams in; another run's and a batch run's tokens are not shown.
        Updates.Publish(new RunStarted(runId, null, "tiny", "test", 1));
        Updates.Publish(new RunDelta(other.RunId, null, 0, "final", null, "not this chat"));
        Updates.Publish(new RunDelta(runId + 1000, 3, 0, "final", null, "a batch token"));
        Updates.Publish(new RunDelta(runId, null, 0, "final", null, "four, live"));
        page.WaitForAssertion(() => Assert.Contains("four, live", page.Find("[data-testid=answer-text]").TextContent));
        Assert.DoesNotContain("not this chat", page.Markup);
        Assert.DoesNotContain("a batch token", page.Markup);
    }

    [Fact]
    public async Task A_chat_page_lets_go_of_a_conversations_runs_when_it_shows_another_conversation()
    {
        var launcher = Host.Services.GetRequiredService<RunLauncher>();
        var first = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "First", Settings));
        var second = await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "Second", Settings));

        var page = Render<ChatPage>(p => p.Add(c => c.ConversationId, first.ConversationId));
        page.WaitForAssertion(() => Assert.Equal([first.RunId], Updates.SubscribedRunIds));

        page.Render(p => p.Add(c => c.ConversationId, second.ConversationId));
        page.WaitForAssertion(() => Assert.Equal([second.RunId], Updates.SubscribedRunIds));

        await DisposeComponentsAsync();
        Assert.Empty(Updates.SubscribedRunIds);
    }

}
