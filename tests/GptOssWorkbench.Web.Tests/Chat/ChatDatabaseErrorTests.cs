namespace GptOssWorkbench.Web.Tests.Chat;

using Bunit;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Chat;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

/// <summary>
/// The chat page on a real host's services and SQLite file, with a database that refuses the message's run: the page
/// says so, stores nothing and keeps the draft, and the same draft is sent once the database takes writes again; a new
/// answer or an edited message the database refuses is reported the same way.
/// </summary>
public sealed class ChatDatabaseErrorTests : ChatPageTest
{
    /// <summary>Every snackbar shown so far (MudBlazor drops each from its list a few seconds after showing it).</summary>
    private readonly HashSet<Snackbar> _shown = [];

    private List<Snackbar> Shown()
    {
        lock (_shown) return [.. _shown];
    }

    private void RecordSnackbars()
    {
        var snackbars = Services.GetRequiredService<ISnackbar>();
        snackbars.OnSnackbarsUpdated += () =>
        {
            lock (_shown) _shown.UnionWith(snackbars.ShownSnackbars);
        };
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync(sql);
    }

    [Fact]
    public async Task A_message_the_database_refuses_is_reported_nothing_is_stored_and_the_draft_stays_to_send_again()
    {
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            db.RegisteredModels.Add(new RegisteredModel { Name = "tiny", FolderPath = Host.TempDirectory, Layout = "huggingface", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        await ExecuteAsync("CREATE TRIGGER refuse_runs BEFORE INSERT ON Runs BEGIN SELECT RAISE(ABORT, 'runs refused by the test'); END;");
        var navigation = Services.GetRequiredService<NavigationManager>();
        RecordSnackbars();
        var page = Render<ChatPage>();
        page.WaitForElement("textarea[data-testid=chat-input], [data-testid=chat-input] textarea").Input("What is 2 + 2?");

        page.WaitForElement("button[data-testid=chat-send]:not([disabled])").Click();

        page.WaitForAssertion(() => Assert.Contains(Shown(), s => s.Severity == Severity.Error && s.Message?.Contains("nothing was stored") == true));
        Assert.Contains(Shown(), s => s.Message?.Contains("runs refused by the test") == true);
        await using (var db = await DbFactory.CreateDbContextAsync())
            Assert.Equal((0, 0, 0), (await db.Conversations.CountAsync(), await db.Messages.CountAsync(), await db.Runs.CountAsync()));
        Assert.Equal("What is 2 + 2?", page.Find("textarea[data-testid=chat-input], [data-testid=chat-input] textarea").GetAttribute("value"));

        await ExecuteAsync("DROP TRIGGER refuse_runs;");
        page.WaitForElement("button[data-testid=chat-send]:not([disabled])").Click();

        page.WaitForAssertion(() => Assert.Matches(@"/chat/\d+$", navigation.Uri));
        long conversationId;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            var message = await db.Messages.SingleAsync();
            Assert.Equal("What is 2 + 2?", message.Content);
            Assert.EndsWith($"/chat/{message.ConversationId}", navigation.Uri);
            conversationId = message.ConversationId!.Value;
            // No job server here: the test ends the run, so the turn offers "regenerate" and "edit".
            var run = await db.Runs.SingleAsync();
            run.MoveTo(RunStatus.Running, DateTime.UtcNow);
            run.MoveTo(RunStatus.Succeeded, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        // The same refusal for another answer to the message, and for an edited message: reported, nothing stored,
        // and the edited text stays in its (open) editor.
        await ExecuteAsync("CREATE TRIGGER refuse_runs BEFORE INSERT ON Runs BEGIN SELECT RAISE(ABORT, 'runs refused by the test'); END;");
        var thread = Render<ChatPage>(p => p.Add(c => c.ConversationId, conversationId));
        thread.WaitForElement("[data-testid=regenerate]").Click();
        thread.WaitForAssertion(() => Assert.Contains(Shown(), s => s.Message?.Contains("did not take the new answer, nothing was stored") == true));

        thread.Find("[data-testid=edit-message]").Click();
        thread.WaitForElement("textarea[data-testid=edit-text], [data-testid=edit-text] textarea").Change("What is 3 + 3?");
        thread.Find("[data-testid=edit-send]").Click();
        // Sending closes the editor; the refusal opens it again with the edited text (the snackbar repeats the first
        // send's words, and MudBlazor shows a message only once while it is on screen).
        Assert.Equal("What is 3 + 3?", thread.WaitForElement("textarea[data-testid=edit-text], [data-testid=edit-text] textarea").GetAttribute("value"));
        await using (var db = await DbFactory.CreateDbContextAsync())
            Assert.Equal((1, 1, 1), (await db.Conversations.CountAsync(), await db.Messages.CountAsync(), await db.Runs.CountAsync()));
    }
}
