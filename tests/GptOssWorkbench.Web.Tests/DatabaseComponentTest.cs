namespace GptOssWorkbench.Web.Tests;

using GptOssWorkbench.Data;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Pipeline.Replays;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Hangfire;
using Hangfire.InMemory;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>bUnit base for components that read and write the database: a real migrated SQLite file per test, the
/// host's DbContext factory over it, and the reviewer lookup (the local reviewer unless a test signs someone in).</summary>
public abstract class DatabaseComponentTest : WorkbenchComponentTest
{
    protected DatabaseComponentTest()
    {
        Services.AddSingleton<IDbContextFactory<WorkbenchDbContext>>(Db);
        Services.AddScoped<CurrentReviewer>();
        Services.AddScoped<RunFlags>();
        // The transcript page's replay box reads replays through the pipeline's real services; nothing here runs a
        // job, so an in-memory Hangfire storage and no models are enough.
        Services.AddLogging();
        Services.AddOptions();
        Services.AddSingleton<RunUpdates>();
        Services.AddSingleton<EngineHost>();
        Services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        Services.AddSingleton<RemoteEngineKeyProtector>();
        Services.AddSingleton<RemoteEngineRegistry>();
        Services.AddSingleton<ModelCatalog>();
        Services.AddSingleton<IBackgroundJobClient>(new BackgroundJobClient(new InMemoryStorage()));
        Services.AddSingleton<RunLauncher>();
        Services.AddSingleton<ReplayService>();
        Services.AddSingleton<GptOssWorkbench.Pipeline.Branches.BranchService>();
    }

    protected TestDatabase Db { get; } = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Db.Dispose();
    }
}
