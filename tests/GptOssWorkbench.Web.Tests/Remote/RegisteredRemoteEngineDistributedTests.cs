namespace GptOssWorkbench.Web.Tests.Remote;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Models;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Distributed mode for real: the web app (no job server) encrypts a registered engine's key, and a separate worker
/// process, with its own content root, decrypts it from the key ring both find in PostgreSQL and sends it.
/// </summary>
public sealed class RegisteredRemoteEngineDistributedTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    private const string Key = "sk-distributed-registered-0123456789";

    [Fact]
    public async Task A_worker_process_runs_a_registered_engine_with_the_key_the_web_app_encrypted()
    {
        await using var server = new ReplayServer();
        server.Script("dist-served", c => c.StreamVllmIfKeyAsync("dist-served", Key));
        var settings = new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" };
        postgres.Configure(settings);
        await using var web = WorkbenchHost.Start(_ => settings);
        await using (var scope = web.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RemoteEngineAdministration>().RegisterAsync(
                new RemoteEngineRegistration("dist/gpt-oss", server.BaseUrl, "dist-served", "openai-compatible", 2), Key);
        }

        using var worker = WorkerProcess.Start("w1", new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSQL",
            ["Database__ConnectionString"] = postgres.ConnectionString,
            ["Models__CreateDemoModel"] = "false",
            ["Jobs__WorkerCount"] = "2",
            ["Pipeline__OutputFlushInterval"] = "00:00:00.200",
            ["Workbench__DataDirectory"] = Path.Combine(web.TempDirectory, "worker-data"),
            ["Logging__LogLevel__Default"] = "Warning",
        }, web.TempDirectory);
        var turn = await web.Services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "What is 2+2?",
            new RunSettings { ModelName = "dist/gpt-oss", MaxTokens = 50 }));

        Run run;
        try
        {
            run = await PipelineWaits.WaitForFinishAsync(web.Services, turn.RunId, seconds: 120);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nworker log:\n{worker.Log()}");
        }

        Assert.True(run.Status == RunStatus.Succeeded, $"{run.Error}\nworker log:\n{worker.Log()}");
        Assert.StartsWith("w1", run.WorkerName); // "w1 job N": the worker process, not the web app, ran it
        Assert.Equal([ServerShapes.ReasoningText, ServerShapes.AnswerText],
            run.Messages.Where(m => m.RunId == run.Id).OrderBy(m => m.Order).Select(m => m.Content));
        Assert.Contains(run.Messages, m => m.Channel == Channels.Analysis);
        Assert.DoesNotContain(Key, worker.Log());
    }
}
