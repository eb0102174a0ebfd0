namespace GptOssWorkbench.Web.Tests.Chat;

using GptOssWorkbench.Data;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// bUnit base for the chat page on a real host's services and SQLite file. No job server: the runs the page stores
/// stay queued (a test moves or streams them itself).
/// </summary>
public abstract class ChatPageTest : WorkbenchComponentTest, IAsyncLifetime
{
    protected ChatPageTest()
    {
        Services.AddSingleton(DbFactory);
        Services.AddSingleton(Host.Services.GetRequiredService<RunLauncher>());
        Services.AddSingleton(Host.Services.GetRequiredService<RunControl>());
        Services.AddSingleton(Updates);
        Services.AddSingleton(Host.Services.GetRequiredService<ModelCatalog>());
        Services.AddScoped<CurrentReviewer>();
        Services.AddLogging();
    }

    protected WorkbenchHost Host { get; } = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" });

    protected IDbContextFactory<WorkbenchDbContext> DbFactory => Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

    protected RunUpdates Updates => Host.Services.GetRequiredService<RunUpdates>();

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Host.DisposeAsync();
    }
}
