namespace GptOssWorkbench.Web.Tests.Dashboard;

using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workers;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Workers;
using GptOssWorkbench.Web.Dashboard;
using GptOssWorkbench.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

/// <summary>The Dashboard lists workers from their heartbeat rows (any process), online or not.</summary>
public sealed class DashboardWorkersTests : WorkbenchComponentTest
{
    private readonly TestDatabase database = new();

    [Fact]
    public void Workers_from_other_processes_are_listed_with_their_models_and_a_stale_one_reads_offline()
    {
        var now = DateTime.UtcNow;
        using (var db = database.CreateDbContext())
        {
            var gpu = new WorkerHeartbeat
            {
                Name = "gpu-box:4242", MachineName = "gpu-box", ProcessId = 4242, Device = "cuda:0", Dtype = "bf16", Threads = 0,
                KvBlocksUsed = 30, KvBlocksTotal = 120, RunningSequences = 3, WaitingSequences = 1, TokensPerSecond = 812.5,
                StartedAt = now.AddHours(-2), LastSeenAt = now.AddSeconds(-2),
            };
            gpu.SetModels([new WorkerModel("gpt-oss-20b", "0123456789abcdef0123", 30, 120, 3, 1, 812.5)]);
            var gone = new WorkerHeartbeat
            {
                Name = "old-box:7", MachineName = "old-box", ProcessId = 7, Device = "cpu", Dtype = "fp32",
                StartedAt = now.AddHours(-3), LastSeenAt = now.AddMinutes(-5),
            };
            db.WorkerHeartbeats.AddRange(gpu, gone);
            db.SaveChanges();
        }
        Services.AddSingleton<IDbContextFactory<WorkbenchDbContext>>(database);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<WorkerDirectory>();
        Services.AddSingleton(new EngineHost(Options.Create(new EngineHostOptions()), NullLogger<EngineHost>.Instance));

        var cut = Render<DashboardPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=dash-worker]").Count));
        var online = cut.Find("[data-worker='gpu-box:4242']");
        Assert.Equal("Online", online.GetAttribute("data-state"));
        Assert.Contains("gpt-oss-20b (0123456789ab)", online.QuerySelector("[data-testid=dash-worker-models]")!.TextContent);
        Assert.Contains("30/120 blocks", online.TextContent);
        Assert.Contains("cuda:0", online.TextContent);
        Assert.Contains("812.5", online.TextContent);
        Assert.Equal("Offline", cut.Find("[data-worker='old-box:7']").GetAttribute("data-state"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        database.Dispose();
    }
}
