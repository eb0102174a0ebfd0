namespace GptOssWorkbench.Web.Tests.Remote;

using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Api;
using GptOssWorkbench.Web.Compare;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// A second workbench as the remote engine: its own OpenAI-compatible /v1 API (real Kestrel on loopback, real job
/// pipeline, the tiny model) serves the first workbench's "remote" model, in chat mode and in raw completions mode.
/// For completions mode with known output, the serving workbench's model is itself remote: a replay server that
/// answers as vLLM, so the channels crossing both hops are known text.
/// </summary>
// Alone: two hosts run jobs at once here (see IsolatedHostsCollection).
[Collection(GptOssWorkbench.Web.Tests.Jobs.IsolatedHostsCollection.Name)]
public sealed class WorkbenchAsRemoteEngineTests : IAsyncLifetime
{
    private const string ApiKey = "remote-engine-key-5b8e1f0c9a7d4e3b2a1f0e9d8c7b6a5f";
    private readonly ReplayServer replay = new();
    private WorkbenchHost server = default!;
    private WorkbenchHost client = default!;

    public Task InitializeAsync()
    {
        replay.Script("replay-raw", c => c.StreamAsync(ServerShapes.RawCompletion("replay-raw", "vllm")));
        server = StartServer(replay);
        client = StartClient(server);
        return Task.CompletedTask;
    }

    private static WorkbenchHost StartServer(ReplayServer replay) => WorkbenchHost.Start(_ => new Dictionary<string, string?>(TinyModel.Settings())
    {
        ["Auth:BootstrapApiKey"] = ApiKey,
        ["Models:Remote:0:Name"] = "replayed-raw",
        ["Models:Remote:0:BaseUrl"] = replay.BaseUrl,
        ["Models:Remote:0:Model"] = "replay-raw",
        ["Models:Remote:0:Kind"] = "vllm",
        ["Models:Remote:0:Mode"] = "completions",
    });

    private static WorkbenchHost StartClient(WorkbenchHost server) => WorkbenchHost.Start(_ =>
    {
        var settings = TinyModel.Settings();
        void Remote(int i, string name, string model, string key, string mode = "chat")
        {
            settings[$"Models:Remote:{i}:Name"] = name;
            settings[$"Models:Remote:{i}:BaseUrl"] = new Uri(server.BaseAddress, "/v1").ToString();
            settings[$"Models:Remote:{i}:Model"] = model;
            settings[$"Models:Remote:{i}:ApiKey"] = key;
            settings[$"Models:Remote:{i}:Kind"] = "openai-compatible";
            settings[$"Models:Remote:{i}:Mode"] = mode;
            settings[$"Models:Remote:{i}:MaxRetries"] = "1";
            settings[$"Models:Remote:{i}:RetryDelay"] = "00:00:00.100";
        }
        Remote(0, "workbench-remote", TinyModel.Name, ApiKey);
        Remote(1, "workbench-wrong-key", TinyModel.Name, ApiKey + "-wrong");
        Remote(2, "workbench-unknown", "no-such-model", ApiKey);
        Remote(3, "workbench-tiny-raw", TinyModel.Name, ApiKey, "completions");
        Remote(4, "workbench-replayed-raw", "replayed-raw", ApiKey, "completions");
        return settings;
    });

    public async Task DisposeAsync()
    {
        await client.DisposeAsync();
        await server.DisposeAsync();
        await replay.DisposeAsync();
    }

    private Task<ChatTurn> SendAsync(WorkbenchHost host, string model, int maxTokens) =>
        host.Services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "What is 2+2?",
            new RunSettings { ModelName = model, MaxTokens = maxTokens, Temperature = 0, ReasoningEffort = ReasoningEffort.Low }));

    private static Task<Run> LatestApiRunAsync(WorkbenchHost host) => LatestRunAsync(host, RunSource.Api);

    private static async Task<Run> LatestRunAsync(WorkbenchHost host, RunSource source)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Runs.AsNoTracking().Include(r => r.Messages).Where(r => r.Source == source).OrderByDescending(r => r.Id).FirstAsync();
    }

    /// <summary>
    /// Waits until the serving workbench is generating the remote request's answer (its API run has tokens).
    /// The random tiny model seldom opens a harmony message, so the stream may carry no text yet: the server's own
    /// run is what says the request is in flight.
    /// </summary>
    private Task ServingAsync(RunSource source) => PipelineWaits.WaitForAnyRunAsync(server.Services, r => r.Source == source && r.Status == RunStatus.Running && r.OutputTokens > 0);

    [Fact]
    public async Task A_remote_run_streams_and_stores_what_the_serving_workbench_answered_channel_by_channel()
    {
        using var recorder = new PipelineWaits.Recorder(client.Services);
        var turn = await SendAsync(client, "workbench-remote", 8);
        var run = await PipelineWaits.WaitForFinishAsync(client.Services, turn.RunId);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal("length", run.FinishReason);
        Assert.Equal(8, run.OutputTokens); // the serving side's usage
        var served = await PipelineWaits.WaitForFinishAsync(server.Services, (await LatestApiRunAsync(server)).Id);
        var (reasoning, content, _) = ChatCompletions.Output(served.Id, served.Messages.OrderBy(m => m.Order).ToList());
        Assert.Equal(reasoning ?? "", string.Concat(run.Messages.Where(m => m.Channel == "analysis").OrderBy(m => m.Order).Select(m => m.Content)));
        Assert.Equal(content, string.Concat(run.Messages.Where(m => m.Channel != "analysis").OrderBy(m => m.Order).Select(m => m.Content)));
        Assert.Equal(ReasoningEffort.Low, served.Manifest.ReasoningEffort); // reasoning_effort reached the server
        Assert.Contains(recorder.Of(run.Id), u => u is RunDelta); // tokens streamed to live views as they came
    }

    [Fact]
    public async Task In_completions_mode_the_serving_workbench_runs_exactly_our_rendered_prompt()
    {
        var turn = await SendAsync(client, "workbench-tiny-raw", 6);
        var run = await PipelineWaits.WaitForFinishAsync(client.Services, turn.RunId);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal("length", run.FinishReason);
        Assert.Equal(6, run.OutputTokens);
        Assert.Contains("raw-completions", run.Manifest.EngineVersion);
        var served = await PipelineWaits.WaitForFinishAsync(server.Services, (await LatestRunAsync(server, RunSource.ApiCompletion)).Id);
        // The token ids crossed as they were rendered: the serving run hashed the same prompt, not a re-rendered one.
        Assert.Equal(run.Manifest.PromptTokensSha256, served.Manifest.PromptTokensSha256);
        Assert.Equal(run.Manifest.PromptTokenCount, served.Manifest.PromptTokenCount);
        Assert.Equal(6, served.OutputTokens);
    }

    [Fact]
    public async Task In_completions_mode_the_analysis_and_final_channels_arrive_separately_through_the_serving_workbench()
    {
        var turn = await SendAsync(client, "workbench-replayed-raw", 64);
        var run = await PipelineWaits.WaitForFinishAsync(client.Services, turn.RunId);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal("stop", run.FinishReason);
        var channels = run.Messages.OrderBy(m => m.Order).Select(m => (m.Channel, m.Content)).ToList();
        Assert.Equal([("analysis", ServerShapes.ReasoningText), ("final", ServerShapes.AnswerText)], channels);
        var served = await PipelineWaits.WaitForFinishAsync(server.Services, (await LatestRunAsync(server, RunSource.ApiCompletion)).Id);
        Assert.Equal(channels, served.Messages.OrderBy(m => m.Order).Select(m => (m.Channel, m.Content)).ToList());
        // The replay server at the end of the chain got the prompt the first workbench rendered, token for token.
        var sent = replay.BodiesFor("replay-raw").Single().GetProperty("prompt").EnumerateArray().Select(t => t.GetInt32()).ToList();
        Assert.Equal(run.Manifest.PromptTokensSha256, RunManifest.HashPromptTokens(sent));
    }

    [Fact]
    public async Task A_wrong_key_fails_the_run_with_the_servers_401()
    {
        var run = await PipelineWaits.WaitForFinishAsync(client.Services, (await SendAsync(client, "workbench-wrong-key", 4)).RunId);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("refused the API key (401)", run.Error);
        Assert.DoesNotContain(ApiKey, run.Error);
    }

    [Fact]
    public async Task An_unknown_model_fails_the_run_with_the_servers_404()
    {
        var run = await PipelineWaits.WaitForFinishAsync(client.Services, (await SendAsync(client, "workbench-unknown", 4)).RunId);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("does not serve model 'no-such-model'", run.Error);
    }

    [Theory]
    [InlineData("workbench-remote", RunSource.Api)] // chat mode
    [InlineData("workbench-tiny-raw", RunSource.ApiCompletion)] // raw completions mode
    public async Task Cancelling_the_remote_run_cancels_the_run_on_the_serving_workbench(string model, RunSource servedAs)
    {
        var turn = await SendAsync(client, model, 100_000);
        await ServingAsync(servedAs);

        await client.Services.GetRequiredService<RunControl>().CancelAsync(turn.RunId);

        var run = await PipelineWaits.WaitForFinishAsync(client.Services, turn.RunId);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        var served = await PipelineWaits.WaitForFinishAsync(server.Services, (await LatestRunAsync(server, servedAs)).Id);
        Assert.Equal(RunStatus.Cancelled, served.Status); // the closed request reached the server
    }

    [Fact]
    public async Task A_batch_mixes_a_local_and_a_remote_model_and_blind_votes_rank_both_on_the_leaderboard()
    {
        var batch = await client.Services.GetRequiredService<BatchService>().ImportAsync(
            new MemoryStream(Encoding.UTF8.GetBytes("prompt\nWhat is 2+2?\n")), "mixed.csv",
            new BatchImportRequest { Name = "mixed", Matrix = new BatchMatrix { Models = [TinyModel.Name, "workbench-remote"] } }, new BatchRunOptions(MaxTokens: 6));
        var factory = client.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        List<long> runIds;
        await using (var db = await factory.CreateDbContextAsync())
            runIds = await db.Runs.Where(r => r.BatchJobId == batch.Id).Select(r => r.Id).ToListAsync();
        foreach (var id in runIds)
        {
            var run = await PipelineWaits.WaitForFinishAsync(client.Services, id);
            Assert.True(run.Status == RunStatus.Succeeded, $"{run.Manifest.ModelName}: {run.Error}");
        }
        var voter = await client.CreateUserAsync(UserRoles.Reviewer);

        var pair = await BlindComparisons.CreateNextAsync(factory, voter.Id, new Random(1));
        Assert.NotNull(pair);
        await BlindComparisons.VoteAsync(factory, pair.ComparisonId, ScreenVote.Left);
        var board = await Leaderboard.LoadAsync(factory);

        Assert.Equal(2, runIds.Count);
        Assert.Contains(board.Rows, r => r.Contestant.Contains(TinyModel.Name, StringComparison.Ordinal));
        Assert.Contains(board.Rows, r => r.Contestant.Contains("workbench-remote", StringComparison.Ordinal));
        Assert.Equal(1, board.Votes);
    }
}
