namespace GptOssWorkbench.Web.Tests.Chat;

using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Chat;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

/// <summary>
/// The chat page on a real host's services and SQLite file, with a database that refuses the message's run: the page
/// says so, stores nothing and keeps the draft, and the same draft is sent once the database takes writes again.
/// </summary>
public sealed class ChatDatabaseErrorTests : WorkbenchComponentTest, IAsyncLifetime
{
    // No job server: the run the second send stores stays queued (nothing here needs it to run).
    private readonly WorkbenchHost _host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" });

    public ChatDatabaseErrorTests()
    {
        Services.AddSingleton(DbFactory);
        Services.AddSingleton(_host.Services.GetRequiredService<RunLauncher>());
        Services.AddSingleton(_host.Services.GetRequiredService<RunControl>());
        Services.AddSingleton(_host.Services.GetRequiredService<RunUpdates>());
        Services.AddSingleton(_host.Services.GetRequiredService<ModelCatalog>());
        Services.AddScoped<CurrentReviewer>();
        Services.AddLogging();
    }

    private IDbContextFactory<WorkbenchDbContext> DbFactory => _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

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
            db.RegisteredModels.Add(new RegisteredModel { Name = "tiny", FolderPath = _host.TempDirectory, Layout = "huggingface", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        await ExecuteAsync("CREATE TRIGGER refuse_runs BEFORE INSERT ON Runs BEGIN SELECT RAISE(ABORT, 'runs refused by the test'); END;");
        var navigation = Services.GetRequiredService<NavigationManager>();
        var page = Render<ChatPage>();
        page.WaitForElement("textarea[data-testid=chat-input], [data-testid=chat-input] textarea").Input("What is 2 + 2?");

        page.WaitForElement("button[data-testid=chat-send]:not([disabled])").Click();

        var snackbars = Services.GetRequiredService<ISnackbar>();
        page.WaitForAssertion(() => Assert.Contains(snackbars.ShownSnackbars, s => s.Severity == Severity.Error && s.Message?.Contains("nothing was stored") == true));
        Assert.Contains(snackbars.ShownSnackbars, s => s.Message?.Contains("runs refused by the test") == true);
        await using (var db = await DbFactory.CreateDbContextAsync())
            Assert.Equal((0, 0, 0), (await db.Conversations.CountAsync(), await db.Messages.CountAsync(), await db.Runs.CountAsync()));
        Assert.Equal("What is 2 + 2?", page.Find("textarea[data-testid=chat-input], [data-testid=chat-input] textarea").GetAttribute("value"));

        await ExecuteAsync("DROP TRIGGER refuse_runs;");
        page.WaitForElement("button[data-testid=chat-send]:not([disabled])").Click();

        page.WaitForAssertion(() => Assert.Matches(@"/chat/\d+$", navigation.Uri));
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            var message = await db.Messages.SingleAsync();
            Assert.Equal("What is 2 + 2?", message.Content);
            Assert.EndsWith($"/chat/{message.ConversationId}", navigation.Uri);
            Assert.Equal(1, await db.Runs.CountAsync());
        }
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.DisposeAsync();
    }
}
