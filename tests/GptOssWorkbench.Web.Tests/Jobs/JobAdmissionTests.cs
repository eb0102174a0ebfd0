namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Tests.Hosting;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Queued jobs fill the engine up to its own batch limit: the web app used to take 8 jobs at a time (Jobs:WorkerCount)
/// whatever the engine could batch, so 40 of 48 API requests waited in the queue while the engine ran 8.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class JobAdmissionTests
{
    private const int MaxRunning = 12;

    [Fact]
    public async Task Queued_runs_fill_the_engine_to_its_MaxRunning_and_the_next_starts_when_one_ends()
    {
        await using var host = WorkbenchHost.Start(_ =>
        {
            var settings = TinyModel.Settings();
            settings["Engine:MaxRunning"] = MaxRunning.ToString();
            return settings;
        });
        var services = host.Services;
        using var recorder = new PipelineWaits.Recorder(services);
        var launcher = services.GetRequiredService<RunLauncher>();
        // Seed 5's 3000 tokens hold no stop token (see RunLifecycleTests' cancel test): every run outlives the test's checks.
        var settings = new RunSettings { ModelName = TinyModel.Name, MaxTokens = 3000, Temperature = 1.0, Seed = 5, ReasoningEffort = ReasoningEffort.Low };
        var runs = new List<long>();
        for (var i = 0; i <= MaxRunning; i++)
            runs.Add((await launcher.SendChatMessageAsync(new ChatMessageRequest(null, "Go on forever", settings))).RunId);

        try
        {
            var servers = services.GetRequiredService<JobStorage>().GetMonitoringApi().Servers();
            Assert.Equal(MaxRunning, Assert.Single(servers).WorkersCount);

            // The first MaxRunning runs all start and decode together in one engine batch...
            foreach (var id in runs.Take(MaxRunning)) await recorder.WaitForAsync<RunStarted>(id);
            var engine = await services.GetRequiredService<EngineHost>().GetAsync(TinyModel.Name, TinyModel.FolderPath);
            Assert.Equal(MaxRunning, engine.Engine.Options.MaxRunning);
            await WaitUntilAsync(() => engine.Engine.Snapshot().Running == MaxRunning, "the engine to run all admitted sequences at once");
            // ...while the one past the limit waits in the queue, not inside the engine.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var last = await PipelineWaits.WaitForRunAsync(services, runs[^1], _ => true);
            Assert.Equal(RunStatus.Queued, last.Status);
            Assert.Empty(recorder.Of(runs[^1]));
            Assert.All(runs.Take(MaxRunning), id => Assert.Empty(recorder.Of(id).OfType<RunFinished>()));

            // Ending one admitted run frees its place for the queued one.
            Assert.True(await services.GetRequiredService<RunControl>().CancelAsync(runs[0]));
            await recorder.WaitForAsync<RunFinished>(runs[0]);
            await recorder.WaitForAsync<RunStarted>(runs[^1]);
        }
        finally
        {
            var control = services.GetRequiredService<RunControl>();
            foreach (var id in runs) await control.CancelAsync(id);
            foreach (var id in runs) await PipelineWaits.WaitForFinishAsync(services, id, seconds: 120);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {seconds} s waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
