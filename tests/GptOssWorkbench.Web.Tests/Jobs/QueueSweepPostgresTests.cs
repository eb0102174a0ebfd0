namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using static GptOssWorkbench.Web.Tests.Jobs.QueueSweepTests;

/// <summary>Distributed mode: the sweep in the web app reads job states from Hangfire's PostgreSQL storage.</summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class QueueSweepPostgresTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task The_sweep_reenqueues_runs_whose_job_is_gone_from_the_postgres_queue_and_leaves_enqueued_ones()
    {
        // The web app runs no job server in this mode (and no worker is started): enqueued jobs stay Enqueued.
        var settings = SweepSettings(after: "00:00:00.500");
        postgres.Configure(settings);
        settings["Pipeline:QueueSweepInterval"] = "00:00:00";
        await using var host = WorkbenchHost.Start(_ => settings);
        var services = host.Services;
        var sweep = services.GetRequiredService<RunQueueSweep>();

        var chat = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(
            new ChatMessageRequest(null, "hello", new RunSettings { ModelName = TinyModel.Name, MaxTokens = 8 }));
        var chatJob = (await RunsAsync(services, r => r.Id == chat.RunId)).Single().JobId!;
        Assert.Equal("Enqueued", JobState(services, chatJob));
        // A job id this storage never issued (an in-memory one from before a switch of modes): no such job here.
        var foreignRun = await InsertQueuedRunAsync(services, "foreign", DateTime.UtcNow.AddMinutes(-10));
        await SetJobIdAsync(services, foreignRun, Guid.NewGuid().ToString());
        await Task.Delay(700);

        Assert.Equal([foreignRun], await sweep.SweepAsync());
        var foreign = (await RunsAsync(services, r => r.Id == foreignRun)).Single();
        Assert.True(long.TryParse(foreign.JobId, out _), foreign.JobId);
        Assert.Equal("Enqueued", JobState(services, foreign.JobId!));

        Assert.True(services.GetRequiredService<IBackgroundJobClient>().Delete(chatJob));
        Assert.Equal([chat.RunId], await sweep.SweepAsync());
        Assert.Empty(await sweep.SweepAsync());
        var rescued = (await RunsAsync(services, r => r.Id == chat.RunId)).Single();
        Assert.Equal(RunStatus.Queued, rescued.Status);
        Assert.NotEqual(chatJob, rescued.JobId);
        Assert.Equal("Enqueued", JobState(services, rescued.JobId!));
        Assert.Equal("Deleted", JobState(services, chatJob));
    }
}
