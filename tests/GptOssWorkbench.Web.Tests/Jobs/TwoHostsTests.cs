namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Two embedded hosts started at the same time in one process (as parallel test collections do): each host's job
/// server must run its own jobs with its own services. Both hosts' first run has id 1, so a job activated by the other
/// host's container would run the other database's run 1 and leave its own queued.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class TwoHostsTests
{
    [Fact]
    public async Task Hosts_started_together_each_run_their_own_runs_in_their_own_database()
    {
        var hosts = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => WorkbenchHost.Start(_ => TinyModel.Settings()))));
        try
        {
            var turns = await Task.WhenAll(hosts.Select((host, i) => host.Services.GetRequiredService<RunLauncher>().SendChatMessageAsync(
                new ChatMessageRequest(null, $"host {i}", new RunSettings { ModelName = TinyModel.Name, MaxTokens = 4 }))));
            Assert.All(turns, t => Assert.Equal(1, t.RunId));
            foreach (var (host, turn) in hosts.Zip(turns))
            {
                var run = await PipelineWaits.WaitForFinishAsync(host.Services, turn.RunId, seconds: 30);
                Assert.Equal(RunStatus.Succeeded, run.Status);
                Assert.Equal(1, run.AttemptCount);
            }
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }
}
