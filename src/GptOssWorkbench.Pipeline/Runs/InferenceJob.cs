namespace GptOssWorkbench.Pipeline.Runs;

using System.Diagnostics;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Hosting;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Observability;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Pipeline.Updates;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StoredLogprob = GptOssWorkbench.Data.Runs.TokenLogprob;

/// <summary>
/// The Hangfire job that executes one stored run. It does not run the model itself: it renders the prompt, hands
/// it to this process's engine and awaits it, so many concurrent jobs become one batch in the engine.
/// <para>Exactly-once output: the job claims the run by moving it Queued → Running under the run's concurrency token
/// and writing "&lt;worker&gt; job &lt;id&gt;" into WorkerName. A second job for the same run (a duplicate enqueue) finds it
/// running or finished and does nothing; a retry of the SAME Hangfire job (after an exception or a killed worker)
/// takes the run over. Every attempt starts by deleting the previous attempt's partial output, and the final
/// messages, stats and status are written in one transaction.</para>
/// </summary>
[AutomaticRetry(Attempts = 3)]
public sealed partial class InferenceJob(
    IDbContextFactory<WorkbenchDbContext> dbFactory, EngineHost engines, ModelCatalog catalog, RunUpdates updates,
    RunCancellations cancellations, PipelineRole role, IOptions<PipelineOptions> options, TimeProvider clock, ILogger<InferenceJob> logger,
    RemoteEngineClient remoteClient, RemoteEngineGate remoteGate, WorkbenchMetrics metrics)
{
    private readonly PipelineOptions options = options.Value;

    /// <summary>How many times Hangfire retries a job after its first attempt threw (this class's <see cref="AutomaticRetryAttribute"/>).</summary>
    public static readonly int RetryAttempts = typeof(InferenceJob).GetCustomAttributes(typeof(AutomaticRetryAttribute), false)
        .Cast<AutomaticRetryAttribute>().Single().Attempts;

    /// <summary>
    /// Runs the job; an unexpected exception goes back to Hangfire, which retries the job (the retry takes the run
    /// over). When the attempt that threw was the last one Hangfire will make, the run is first ended Failed here:
    /// after that Hangfire only moves the job to Failed and nothing would ever finish the run (it stayed Running,
    /// claimed, "generating" forever). Done here rather than in a Hangfire state filter because the job already has
    /// everything that needs (its claim, the database, the updates), works the same with every job storage and needs
    /// no registration in each process's Hangfire setup; Hangfire's own "RetryCount" job parameter says which attempt
    /// this is, and the limit is read from the attribute above, so the two cannot drift apart.
    /// </summary>
    public async Task RunAsync(long runId, PerformContext? context, CancellationToken shutdown)
    {
        var jobSuffix = $" job {context?.BackgroundJob.Id ?? Guid.NewGuid().ToString("N")}";
        try
        {
            await RunAttemptAsync(runId, jobSuffix, shutdown);
        }
        catch (Exception e) when (!shutdown.IsCancellationRequested && context is not null && IsLastAttempt(context))
        {
            // A stopping process is not a failure: Hangfire hands the job to a worker again without counting a retry.
            await FailAfterLastAttemptAsync(runId, jobSuffix, e, RetryAttempts + 1);
            throw;
        }
    }

    /// <summary>The run's claim was made by this Hangfire job (on whichever worker took it last).</summary>
    private static bool HeldByJob(Run run, string jobSuffix) => run.WorkerName?.EndsWith(jobSuffix, StringComparison.Ordinal) == true;

    private static bool IsLastAttempt(PerformContext context) => context.GetJobParameter<int>("RetryCount") >= RetryAttempts;

    private async Task RunAttemptAsync(long runId, string jobSuffix, CancellationToken shutdown)
    {
        var claim = options.EffectiveWorkerName + jobSuffix;
        var run = await ClaimAsync(runId, claim, jobSuffix, shutdown);
        if (run is null) return;
        updates.Publish(new RunStarted(run.Id, run.BatchJobId, run.Manifest.ModelName, claim, run.AttemptCount));

        using var userCancel = cancellations.Register(run.Id);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(userCancel.Token, shutdown);
        using var pollerStop = new CancellationTokenSource();
        var poller = PollCancellationAsync(run.Id, userCancel, pollerStop.Token);
        try
        {
            await ExecuteAsync(run, stop.Token, shutdown);
        }
        finally
        {
            pollerStop.Cancel();
            await poller;
            cancellations.Unregister(run.Id, userCancel);
        }
    }

    /// <summary>Takes the run for this attempt, or returns null when there is nothing to do.</summary>
    private async Task<Run?> ClaimAsync(long runId, string claim, string jobSuffix, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.Include(r => r.BatchJob).Include(r => r.Messages).FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        switch (run.Status)
        {
            case RunStatus.Queued when run.BatchJob?.Status == BatchStatus.Paused:
                return null; // stays queued; resuming the batch enqueues it again
            case RunStatus.Queued when run.CancellationRequested || run.BatchJob?.Status == BatchStatus.Cancelled:
            // The user cancelled while this job waited for its retry (nothing was running to cancel). Taking over
            // would pass through Queued, which clears the flag, and the retry would run to the end.
            case RunStatus.Running when run.CancellationRequested && HeldByJob(run, jobSuffix):
                run.MoveTo(RunStatus.Cancelled, now);
                run.FinishReason = "cancelled";
                await SaveAndRecountAsync(db, run, cancellationToken);
                updates.Publish(new RunFinished(run.Id, run.BatchJobId, run.Status, run.FinishReason, null, StatsOf(run)));
                return null;
            case RunStatus.Queued:
                break;
            case RunStatus.Running when HeldByJob(run, jobSuffix):
                // This same Hangfire job ran before and did not finish (an exception, or its worker was killed and the
                // queue handed the job to another worker): take over.
                run.MoveTo(RunStatus.Queued, now);
                break;
            default:
                logger.LogInformation("Run {RunId} is {Status} ({Worker}); job with claim {Claim} skips it", run.Id, run.Status, run.WorkerName, claim);
                return null;
        }
        // A previous attempt's partial output must not survive into this one.
        db.Messages.RemoveRange(run.Messages);
        run.MoveTo(RunStatus.Running, now);
        run.WorkerName = claim;
        run.OutputTokens = run.ReasoningTokens = 0;
        run.TimeToFirstTokenMs = run.TokensPerSecond = null;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            // The batch was read above, before this write: a pause or cancel committed since then must still stop the
            // claim. This conditional write decides it in the claim's own transaction (PostgreSQL waits for a pause
            // that holds the row and then re-reads its status; SQLite has one writer at a time).
            if (run.BatchJobId is { } batchId)
            {
                var open = await db.BatchJobs.Where(b => b.Id == batchId && (b.Status == BatchStatus.Queued || b.Status == BatchStatus.Running))
                    .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Running).SetProperty(b => b.StartedAt, b => b.StartedAt ?? now), cancellationToken);
                if (open == 0)
                {
                    logger.LogInformation("Batch {BatchId} was paused or cancelled as run {RunId} was claimed; the run stays queued", batchId, runId);
                    return null; // rolled back: the run stays queued for the resume (or the cancel) to handle
                }
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Run {RunId} was taken or changed by someone else; job with claim {Claim} skips it", runId, claim);
            return null;
        }
        return run;
    }

    private async Task ExecuteAsync(Run run, CancellationToken stop, CancellationToken shutdown)
    {
        RemoteEngineOptions? remote;
        try
        {
            remote = await catalog.FindRemoteAsync(run.Manifest.ModelName, shutdown);
        }
        catch (RemoteEngineKeyException e)
        {
            await FinishAsync(run, [], [], null, Failed(e.Message), shutdown);
            return;
        }
        if (remote is not null && run.Manifest.ForcedPrefixTokenIds is { Count: > 0 })
        {
            await FinishAsync(run, [], [], null, Failed($"'{run.Manifest.ModelName}' is a remote server: a branch continues a forced prefix of output tokens, "
                + "which only the built-in engine can do."), shutdown);
            return;
        }
        if (remote is not null)
        {
            await ExecuteRemoteAsync(run, remote, stop, shutdown);
            return;
        }
        LoadedEngine engine;
        List<int> prompt;
        int replyOrder = -1;
        try
        {
            engine = await engines.GetAsync(run.Manifest.ModelName, await catalog.ResolveFolderAsync(run.Manifest.ModelName, shutdown));
            await using var db = await dbFactory.CreateDbContextAsync(shutdown);
            prompt = await RunPrompt.TokensAsync(db, run, shutdown);
            if (run.ReplyToMessageId is { } replyTo)
                replyOrder = await db.Messages.Where(m => m.Id == replyTo).Select(m => m.Order).FirstAsync(shutdown);
        }
        catch (Exception e) when (e is UnknownModelException or CheckpointException or IOException or ArgumentException)
        {
            await FinishAsync(run, [], [], null, Failed(e.Message), shutdown);
            return;
        }

        var manifest = run.Manifest;
        manifest.Seed ??= Random.Shared.Next();
        manifest.PromptTokenCount = prompt.Count;
        manifest.PromptTokensSha256 = RunManifest.HashPromptTokens(prompt);
        manifest.EngineVersion = EngineHost.EngineVersion;
        manifest.Device = engine.Device;
        manifest.WeightsFingerprint = engine.WeightsFingerprint;

        var sampling = new SamplingOptions
        {
            Temperature = manifest.Temperature, TopP = manifest.TopP, TopK = manifest.TopK ?? 0, MinP = manifest.MinP ?? 0,
            RepetitionPenalty = manifest.RepetitionPenalty, PresencePenalty = manifest.PresencePenalty, FrequencyPenalty = manifest.FrequencyPenalty,
            // Seeds are stored as long (the matrix allows any); the sampler takes an int, so fold the high half in.
            Seed = unchecked((int)(manifest.Seed.Value ^ (manifest.Seed.Value >> 32))),
            MaxTokens = manifest.MaxTokens,
            StopTokenIds = [.. HarmonyTokens.SamplerStopIds],
            StopStrings = manifest.StopSequences,
            Logprobs = manifest.Logprobs,
            TopLogprobs = manifest.Logprobs ? manifest.TopLogprobs : 0,
        };
        var submittedAt = clock.GetUtcNow().UtcDateTime;
        // A branch's forced prefix goes after the prompt, so generation continues from it; it is output of this run
        // (its messages start with it) but not sampled, so it does not use up the token budget's last token.
        var forced = manifest.ForcedPrefixTokenIds ?? [];
        if (forced.Count > 0) sampling = sampling with { MaxTokens = Math.Max(1, manifest.MaxTokens - forced.Count) };
        var stream = engine.Engine.Submit(new GenerationRequest([.. prompt, .. forced], sampling) { Label = $"run {run.Id}" }, stop);
        var modelTag = new KeyValuePair<string, object?>("model", manifest.ModelName);

        var output = new RunOutput(run, replyOrder, clock.GetUtcNow().UtcDateTime, HarmonyTokenizer.Shared, updates);
        var logprobs = manifest.Logprobs ? new List<StoredLogprob>() : null;
        foreach (var token in forced)
        {
            // Recorded with logprob 0 (probability 1) and no alternatives: the token was forced, not drawn.
            var logprob = logprobs is null ? null : new StoredLogprob(token, 0f, []);
            logprobs?.Add(logprob!);
            output.Feed(token, logprob);
        }
        await FeedAsync(run, stream.Tokens, output, logprobs, modelTag, shutdown);
        var result = await stream.Completion;
        if (result.Finish == GenerationFinish.Cancelled && shutdown.IsCancellationRequested)
        {
            // The process is stopping, not the user cancelling: leave the run for the retry/recovery to redo.
            throw new OperationCanceledException(shutdown);
        }
        output.Finish();
        var outcome = result.Finish switch
        {
            GenerationFinish.Stop => new Outcome(RunStatus.Succeeded, output.StoppedByCall ? "tool_call" : "stop", null),
            GenerationFinish.Length => new Outcome(RunStatus.Succeeded, "length", null),
            GenerationFinish.Cancelled => new Outcome(RunStatus.Cancelled, "cancelled", null),
            _ => Failed(result.Error ?? "The engine failed without a message."),
        };
        run.PromptTokens = result.PromptTokens - forced.Count;
        run.OutputTokens = forced.Count + result.Tokens.Count;
        run.ReasoningTokens = output.ReasoningTokens;
        run.TimeToFirstTokenMs = result.TimeToFirstToken?.TotalMilliseconds;
        run.TokensPerSecond = result.TokensPerSecond;
        RecordMetrics(run, output.Snapshot(), result, outcome, submittedAt);
        await FinishAsync(run, output.Snapshot(), output.Warnings, logprobs, outcome, shutdown);
    }

    /// <summary>Feeds every token of a stream (our engine's or a remote server's) into the run's output, flushing it now and then.</summary>
    private async Task FeedAsync(Run run, IAsyncEnumerable<TokenEvent> tokens, RunOutput output, List<StoredLogprob>? logprobs,
        KeyValuePair<string, object?> modelTag, CancellationToken shutdown)
    {
        var lastFlush = Stopwatch.StartNew();
        var sinceLastToken = (Stopwatch?)null;
        await foreach (var token in tokens.WithCancellation(CancellationToken.None))
        {
            StoredLogprob? logprob = null;
            if (logprobs is not null && token.Logprob is { } chosen)
            {
                logprob = new StoredLogprob(token.TokenId, (float)chosen, [.. token.TopLogprobs.Select(t => new TopLogprob(t.Id, (float)t.Logprob))]);
                logprobs.Add(logprob);
            }
            output.Feed(token.TokenId, logprob);
            if (sinceLastToken is null) sinceLastToken = Stopwatch.StartNew();
            else
            {
                metrics.InterTokenLatency.Record(sinceLastToken.Elapsed.TotalSeconds, modelTag);
                sinceLastToken.Restart();
            }
            if (lastFlush.Elapsed >= options.OutputFlushInterval)
            {
                await FlushPartialAsync(run.Id, output.Snapshot(), output.TokenCount, shutdown);
                lastFlush.Restart();
            }
        }
    }

    /// <summary>
    /// Ends the run this job holds (Running under this job's claim, whichever worker took it last) after the job's
    /// last attempt threw. A run finished or taken by someone else is left alone. The output stays as the last flush
    /// wrote it, and the token count is made to match it. A run the user asked to cancel ends Cancelled.
    /// Never throws: the job's own exception is what Hangfire must record.
    /// </summary>
    private async Task FailAfterLastAttemptAsync(long runId, string jobSuffix, Exception error, int attempts)
    {
        try
        {
            // Not the shutdown token: this write must happen even though the attempt is over.
            await using var db = await dbFactory.CreateDbContextAsync();
            var run = await db.Runs.Include(r => r.Messages).FirstOrDefaultAsync(r => r.Id == runId);
            if (run is null || run.Status != RunStatus.Running || !HeldByJob(run, jobSuffix))
                return;
            // A partial flush counts every token generated so far, but the header of a message still being read
            // (<|start|>assistant<|channel|>…) is in no stored message yet: the ended run counts what it kept.
            run.OutputTokens = run.Messages.Sum(m => m.TokenCount);
            run.MoveTo(run.CancellationRequested ? RunStatus.Cancelled : RunStatus.Failed, clock.GetUtcNow().UtcDateTime);
            run.FinishReason = run.CancellationRequested ? "cancelled" : "error";
            // EF wraps database errors in "An error occurred while saving…": the innermost message names the cause.
            var cause = error.GetBaseException() is { } inner && inner != error ? $"{error.Message} ({inner.Message})" : error.Message;
            run.Error = run.CancellationRequested ? null : $"The job failed after {attempts} attempts: {cause}";
            await SaveAndRecountAsync(db, run, CancellationToken.None);
            logger.LogError(error, "Run {RunId} ended {Status}: its job failed after {Attempts} attempts", run.Id, run.Status, attempts);
            updates.Publish(new RunFinished(run.Id, run.BatchJobId, run.Status, run.FinishReason, run.Error, StatsOf(run)));
        }
        catch (Exception e)
        {
            // Typically the same broken database that failed the job. The run stays Running for an operator to see.
            logger.LogError(e, "Run {RunId}: could not end it after its job's last attempt failed", runId);
        }
    }

    /// <summary>What this run adds to the metrics and its trace; recorded here, by the process that ran it.</summary>
    private void RecordMetrics(Run run, IReadOnlyList<Message> messages, GenerationResult result, Outcome outcome, DateTime submittedAt)
    {
        var model = new KeyValuePair<string, object?>("model", run.Manifest.ModelName);
        var counted = 0;
        foreach (var channel in messages.GroupBy(m => m.Channel ?? "none"))
        {
            var tokens = channel.Sum(m => m.TokenCount);
            counted += tokens;
            metrics.TokensGenerated.Add(tokens, model, new("channel", channel.Key));
        }
        // Tokens that ended in no message (an unfinished header at the length limit) still were generated.
        if (result.Tokens.Count > counted) metrics.TokensGenerated.Add(result.Tokens.Count - counted, model, new("channel", "none"));
        metrics.RunsFinished.Add(1, model, new("status", outcome.Status.ToString().ToLowerInvariant()));
        if (result.TimeToFirstToken is { } firstToken) metrics.TimeToFirstToken.Record(firstToken.TotalSeconds, model);
        if (result.TokensPerSecond > 0) metrics.DecodeRate.Record(result.TokensPerSecond, model);
        WorkbenchTracing.RecordRunPhases(run.Id, run.Manifest.ModelName, run.QueuedAt ?? run.CreatedAt, run.StartedAt ?? submittedAt, submittedAt, result);
    }

    private static Outcome Failed(string error) => new(RunStatus.Failed, "error", error);

    private sealed record Outcome(RunStatus Status, string FinishReason, string? Error);

    /// <summary>Writes the partial output (replacing the last flush) so a page opened mid-run shows text.</summary>
    private async Task FlushPartialAsync(long runId, IReadOnlyList<Message> messages, int outputTokens, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.Include(r => r.Messages).FirstAsync(r => r.Id == runId, cancellationToken);
        if (run.Status != RunStatus.Running) return;
        db.Messages.RemoveRange(run.Messages);
        run.Messages.AddRange(messages);
        run.OutputTokens = outputTokens;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Final state, messages, stats and manifest in one transaction, then the batch counters.</summary>
    private async Task FinishAsync(Run finished, IReadOnlyList<Message> messages, IReadOnlyList<string> warnings,
        IReadOnlyList<StoredLogprob>? logprobs, Outcome outcome, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var run = await db.Runs.Include(r => r.Messages).Include(r => r.Logprobs).FirstAsync(r => r.Id == finished.Id, cancellationToken);
        if (run.Status != RunStatus.Running || run.WorkerName != finished.WorkerName)
        {
            logger.LogWarning("Run {RunId} changed hands while running ({Worker}); this attempt's output is dropped", run.Id, run.WorkerName);
            return;
        }
        db.Messages.RemoveRange(run.Messages);
        run.Messages.AddRange(messages);
        // Every generated token's logprob (headers included: the ids replay the whole completion); an earlier attempt's go.
        if (logprobs is { Count: > 0 })
        {
            var stored = RunLogprobs.Create(logprobs);
            run.Logprobs ??= new RunLogprobs();
            run.Logprobs.TokenCount = stored.TokenCount;
            run.Logprobs.Payload = stored.Payload;
        }
        else if (run.Logprobs is not null)
        {
            db.Remove(run.Logprobs);
        }
        // What the worker learned while running (the rest of the manifest was fixed when the run was created).
        run.Manifest.Seed = finished.Manifest.Seed;
        run.Manifest.PromptTokenCount = finished.Manifest.PromptTokenCount;
        run.Manifest.PromptTokensSha256 = finished.Manifest.PromptTokensSha256;
        run.Manifest.EngineVersion = finished.Manifest.EngineVersion;
        run.Manifest.Device = finished.Manifest.Device;
        run.Manifest.WeightsFingerprint = finished.Manifest.WeightsFingerprint;
        run.PromptTokens = finished.PromptTokens;
        run.OutputTokens = finished.OutputTokens;
        run.ReasoningTokens = finished.ReasoningTokens;
        run.TimeToFirstTokenMs = finished.TimeToFirstTokenMs;
        run.TokensPerSecond = finished.TokensPerSecond;
        run.MoveTo(outcome.Status, clock.GetUtcNow().UtcDateTime);
        run.FinishReason = outcome.FinishReason;
        run.Error = outcome.Error;
        if (warnings.Count > 0 && outcome.Status == RunStatus.Succeeded)
            logger.LogInformation("Run {RunId}: harmony parse warnings: {Warnings}", run.Id, string.Join("; ", warnings));
        await SaveAndRecountAsync(db, run, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        updates.Publish(new RunFinished(run.Id, run.BatchJobId, run.Status, run.FinishReason, run.Error, StatsOf(run)));
    }

    private static async Task SaveAndRecountAsync(WorkbenchDbContext db, Run run, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        if (run.BatchJobId is { } batchId) await BatchCounters.RecountAsync(db, batchId, cancellationToken);
    }

    private static RunStats StatsOf(Run run) => new(run.PromptTokens, run.OutputTokens, run.ReasoningTokens, run.TimeToFirstTokenMs, run.TokensPerSecond);

    /// <summary>
    /// Cancels made in another process reach this one through the run's flag (when no relay delivered them sooner).
    /// The flag is read once right after the token is registered (a cancel between claim and registration found no
    /// token to cancel); only in distributed mode is it then polled, since in embedded mode every cancel comes from
    /// this process and cancels the token directly: polling there was pure database load (two reads per second
    /// per running run) competing with the engine for the CPU.
    /// </summary>
    private async Task PollCancellationAsync(long runId, CancellationTokenSource userCancel, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await using (var db = await dbFactory.CreateDbContextAsync(stop))
                {
                    if (await db.Runs.Where(r => r.Id == runId).Select(r => r.CancellationRequested).FirstOrDefaultAsync(stop))
                    {
                        userCancel.Cancel();
                        return;
                    }
                }
                if (role.Embedded) return;
                await Task.Delay(options.CancellationPollInterval, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Polling run {RunId} for cancellation failed", runId);
        }
    }
}
