namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Hosting;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

/// <summary>
/// `gptoss jobs-bench`: the same prompts through (a) the engine directly, C requests in flight, and (b) the job
/// pipeline in embedded mode (SQLite file, in-memory Hangfire with C workers, run rows, partial flushes, final
/// transaction), and compares output tokens per second. The engine is loaded once and shared, so only the
/// pipeline's overhead differs.
/// </summary>
public static class JobsBenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Checkpoint folder (default: a random-weight tiny model in a temp folder)" };
        var requests = new Option<int>("--requests") { Description = "Prompts per measurement", DefaultValueFactory = _ => 24 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight (direct) = Hangfire workers (jobs)", DefaultValueFactory = _ => 4 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens per request", DefaultValueFactory = _ => 32 };
        var rounds = new Option<int>("--rounds") { Description = "direct/jobs/direct rounds; the median ratio is reported (a shared machine is noisy)", DefaultValueFactory = _ => 1 };
        var command = new Command("jobs-bench", "Batch throughput through Hangfire jobs vs the engine directly, at the same concurrency");
        foreach (var option in new Option[] { model, requests, concurrency, maxTokens, rounds }) command.Options.Add(option);
        command.SetAction(parse => RunAsync(parse.GetValue(model), parse.GetValue(requests), parse.GetValue(concurrency), parse.GetValue(maxTokens), parse.GetValue(rounds)).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunAsync(string? modelFolder, int requests, int concurrency, int maxTokens, int rounds)
    {
        if (rounds < 1) throw new ArgumentException($"--rounds must be at least 1 (got {rounds}).");
        var work = Directory.CreateTempSubdirectory("gptoss-jobs-bench-").FullName;
        try
        {
            if (modelFolder is null)
            {
                modelFolder = Path.Combine(work, "tiny");
                SyntheticCheckpointWriter.Write(modelFolder, ModelPresets.Get("tiny"), CheckpointLayout.HfSingle, seed: 1);
            }
            using var host = BuildHost(work, modelFolder, concurrency);
            await using (var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
                await WorkbenchDatabase.MigrateAsync(db);
            await host.StartAsync();
            var prompts = Enumerable.Range(1, requests).Select(i => $"Benchmark prompt number {i}: say something.").ToList();

            var engine = await host.Services.GetRequiredService<EngineHost>().GetAsync("bench", modelFolder);
            // Warm both paths up: the first jobs JIT-compile the pipeline, EF's queries and Hangfire's code paths, and
            // measuring that against an already warm direct path made the first round read 20-30 points low.
            await DirectAsync(engine.Engine, prompts.Take(concurrency).ToList(), concurrency, maxTokens);
            await JobsAsync(host.Services, prompts.Take(concurrency).ToList(), maxTokens, report: false);
            Console.WriteLine($"requests {requests}, concurrency {concurrency}, max tokens {maxTokens}, rounds {rounds}");
            var ratios = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                // Direct, jobs, direct again: this machine is shared, so the direct rate is taken on both sides of the jobs run.
                var before = await DirectAsync(engine.Engine, prompts, concurrency, maxTokens);
                var jobs = await JobsAsync(host.Services, prompts, maxTokens);
                var after = await DirectAsync(engine.Engine, prompts, concurrency, maxTokens);
                var direct = (Tokens: before.Tokens + after.Tokens, Seconds: before.Seconds + after.Seconds);
                var ratio = jobs.Tokens / jobs.Seconds / (direct.Tokens / direct.Seconds);
                ratios.Add(ratio);
                Console.WriteLine($"round {round}");
                Console.WriteLine($"direct (before): {before.Tokens,6} tokens in {before.Seconds,6:F2} s = {before.Tokens / before.Seconds,8:F1} tokens/s");
                Console.WriteLine($"direct (after) : {after.Tokens,6} tokens in {after.Seconds,6:F2} s = {after.Tokens / after.Seconds,8:F1} tokens/s");
                Console.WriteLine($"direct engine : {direct.Tokens,6} tokens in {direct.Seconds,6:F2} s = {direct.Tokens / direct.Seconds,8:F1} tokens/s");
                Console.WriteLine($"hangfire jobs : {jobs.Tokens,6} tokens in {jobs.Seconds,6:F2} s = {jobs.Tokens / jobs.Seconds,8:F1} tokens/s");
                Console.WriteLine($"jobs / direct : {ratio * 100:F1} %");
            }
            await host.StopAsync();
            var sorted = ratios.Order().ToList();
            var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
            if (rounds > 1) Console.WriteLine($"jobs / direct, median of {rounds}: {median * 100:F1} % (range {sorted[0] * 100:F1}–{sorted[^1] * 100:F1} %)");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    private static IHost BuildHost(string work, string modelFolder, int concurrency)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Models:Folders:0:Name"] = "bench";
        builder.Configuration["Models:Folders:0:Path"] = modelFolder;
        builder.Configuration["Models:CreateDemoModel"] = "false";
        var database = DatabaseTarget.Sqlite(Path.Combine(work, "bench.db"));
        builder.Services.AddDbContextFactory<WorkbenchDbContext>(options => WorkbenchDatabase.Configure(options, database));
        builder.Services.AddWorkbenchPipeline(new PipelineRole(Embedded: true, RecoversRuns: false));
        var storage = new InMemoryStorage();
        builder.Services.AddSingleton<JobStorage>(storage);
        builder.Services.AddHangfire(config => config.UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings().UseStorage(storage));
        builder.Services.AddHangfireServer(options => options.WorkerCount = concurrency);
        return builder.Build();
    }

    /// <summary>The prompt the pipeline renders for a batch item with default settings, so both paths do the same work.</summary>
    private static List<int> Render(string prompt) => new HarmonyRenderer().RenderForCompletion(Conversation.Of(
        HarmonyMessage.System(new SystemContent { ReasoningEffort = ReasoningEffort.Medium }), HarmonyMessage.User(prompt)));

    private static async Task<(long Tokens, double Seconds)> DirectAsync(InferenceEngine engine, List<string> prompts, int concurrency, int maxTokens)
    {
        var next = -1;
        long tokens = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < prompts.Count)
            {
                var sampling = new SamplingOptions { MaxTokens = maxTokens, Seed = i, StopTokenIds = [.. HarmonyTokens.SamplerStopIds] };
                var result = await engine.Submit(new GenerationRequest(Render(prompts[i]), sampling)).Completion;
                Interlocked.Add(ref tokens, result.Tokens.Count);
            }
        })));
        return (tokens, clock.Elapsed.TotalSeconds);
    }

    private static async Task<(long Tokens, double Seconds)> JobsAsync(IServiceProvider services, List<string> prompts, int maxTokens, bool report = true)
    {
        var file = new MemoryStream(Encoding.UTF8.GetBytes("prompt\n" + string.Join("\n", prompts) + "\n"));
        var matrix = new BatchMatrix { Models = ["bench"] };
        var batches = services.GetRequiredService<BatchService>();
        // The end is taken from the runs' own RunFinished updates: polling batch progress every few ms was itself
        // database load competing with the jobs (and added up to a poll interval to the measured time).
        var finished = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = services.GetRequiredService<RunUpdates>().SubscribeAll(update =>
        {
            if (update is RunFinished && Interlocked.Increment(ref finished) == prompts.Count) allDone.TrySetResult();
        });
        var clock = Stopwatch.StartNew();
        var batch = await batches.ImportAsync(file, "bench.csv", new BatchImportRequest { Name = "bench", Matrix = matrix }, new BatchRunOptions(MaxTokens: maxTokens));
        await allDone.Task;
        var seconds = clock.Elapsed.TotalSeconds;
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        if (!report) return (0, seconds);
        var runs = await db.Runs.Where(r => r.BatchJobId == batch.Id).Select(r => new { r.OutputTokens, r.FinishReason, r.Status, r.Error, r.CreatedAt, r.StartedAt, r.FinishedAt, r.TokensPerSecond, r.TimeToFirstTokenMs }).ToListAsync();
        Console.WriteLine("jobs finished: " + string.Join(", ", runs.GroupBy(r => $"{r.Status}/{r.FinishReason}").Select(g => $"{g.Key} × {g.Count()}")));
        // Where a job's time goes: waiting in the queue, then claimed (StartedAt) to finished, of which the engine
        // reports time to first token + decode; the rest of claimed-to-finished is the job's own work (DB, parsing).
        var engineSeconds = runs.Where(r => r.TokensPerSecond > 0).Average(r => (r.TimeToFirstTokenMs ?? 0) / 1000 + r.OutputTokens / r.TokensPerSecond!.Value);
        var claimedSeconds = runs.Where(r => r.StartedAt is not null && r.FinishedAt is not null).Average(r => (r.FinishedAt!.Value - r.StartedAt!.Value).TotalSeconds);
        Console.WriteLine($"per job: claimed→finished {claimedSeconds:F2} s, of which engine (TTFT + decode) {engineSeconds:F2} s");
        foreach (var error in runs.Where(r => r.Error is not null).Select(r => r.Error).Distinct()) Console.WriteLine($"  error: {error}");
        return (runs.Sum(r => (long)r.OutputTokens), seconds);
    }
}
