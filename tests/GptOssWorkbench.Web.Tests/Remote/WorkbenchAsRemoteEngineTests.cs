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
/// pipeline, the tiny model) serves the first workbench's "remote" model, in chat mode.
/// </summary>
// Alone: two hosts run jobs at once here (see IsolatedHostsCollection).
[Collection(GptOssWorkbench.Web.Tests.Jobs.IsolatedHostsCollection.Name)]
public sealed class WorkbenchAsRemoteEngineTests : IAsyncLifetime
{
    private const string ApiKey = "remote-engine-key-5b8e1f0c9a7d4e3b2a1f0e9d8c7b6a5f";
    private WorkbenchHost server = default!;
    private WorkbenchHost client = default!;

    public Task InitializeAsync()
    {
        server = StartServer();
        client = StartClient(server);
        return Task.CompletedTask;
    }

    private static WorkbenchHost StartServer() => WorkbenchHost.Start(_ => new Dictionary<string, string?>(TinyModel.Settings())
    {
        ["Auth:BootstrapApiKey"] = ApiKey,
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
        return settings;
    });

    public async Task DisposeAsync()
    {
        await client.DisposeAsync();
        await server.DisposeAsync();
    }

    private Task<ChatTurn> SendAsync(WorkbenchHost host, string model, int maxTokens) =>
        host.Services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "What is 2+2?",
            new RunSettings { ModelName = model, MaxTokens = maxTokens, Temperature = 0, ReasoningEffort = ReasoningEffort.Low }));

    private static async Task<Run> LatestApiRunAsync(WorkbenchHost host)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Runs.AsNoTracking().Include(r => r.Messages).Where(r => r.Source == RunSource.Api).OrderByDescending(r => r.Id).FirstAsync();
    }

    /// <summary>
    /// Waits until the serving workbench is generating the remote request's answer (its API run has tokens).
    /// The random tiny model seldom opens a harmony message, so the stream may carry no text yet: the server's own
    /// run is what says the request is in flight.
    /// </summary>
    private Task ServingAsync() => PipelineWaits.WaitForAnyRunAsync(server.Services, r => r.Source == RunSource.Api && r.Status == RunStatus.Running && r.OutputTokens > 0);

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

    [Fact]
    public async Task Cancelling_the_remote_run_cancels_the_run_on_the_serving_workbench()
    {
        var turn = await SendAsync(client, "workbench-remote", 100_000);
        await ServingAsync();

        await client.Services.GetRequiredService<RunControl>().CancelAsync(turn.RunId);

        var run = await PipelineWaits.WaitForFinishAsync(client.Services, turn.RunId);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        var served = await PipelineWaits.WaitForFinishAsync(server.Services, (await LatestApiRunAsync(server)).Id);
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
