namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Pipeline.Updates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using StoredLogprob = GptOssWorkbench.Data.Runs.TokenLogprob;

/// <summary>
/// A run on a remote server (Models:Remote): the same claim, output, flush and finish as a local run; only the token
/// source differs (<see cref="RemoteEngineClient"/> instead of this process's engine).
/// <para>Retries: a request refused with 429/5xx, a lost connection, a stalled or truncated stream is tried again up to
/// MaxRetries times with exponential backoff (or the server's Retry-After), inside this job attempt. A retry restarts
/// the output: a fresh <see cref="RunOutput"/>, a <see cref="RunStarted"/> so live views drop what streamed, and the
/// next flush or the final write replaces the stored rows, so nothing is stored twice. A run that fails for good
/// stores no half answer (no messages, no logprobs) and says why in its error.</para>
/// </summary>
public sealed partial class InferenceJob
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    private async Task ExecuteRemoteAsync(Run run, RemoteEngineOptions engine, CancellationToken stop, CancellationToken shutdown)
    {
        Engine.Harmony.Conversation conversation;
        List<int> prompt;
        RemoteMode mode;
        var replyOrder = -1;
        try
        {
            mode = engine.EffectiveMode; // also checks Kind and Mode
            _ = engine.ApiRoot; // and BaseUrl
            await using var db = await dbFactory.CreateDbContextAsync(shutdown);
            if (await RunPrompt.IsRawAsync(db, run, shutdown))
            {
                // A raw harmony prompt has no messages to send in chat mode.
                if (mode == RemoteMode.Chat)
                    throw new ArgumentException("a raw harmony prompt (/v1/completions) needs raw completions mode (Mode completions, or auto for vllm, sglang and llama.cpp), and this engine uses chat completions.");
                conversation = new Engine.Harmony.Conversation([]);
                prompt = await RunPrompt.TokensAsync(db, run, shutdown);
            }
            else
            {
                conversation = await RunPrompt.BuildAsync(db, run, shutdown);
                prompt = new HarmonyRenderer().RenderForCompletion(conversation);
            }
            if (run.ReplyToMessageId is { } replyTo)
                replyOrder = await db.Messages.Where(m => m.Id == replyTo).Select(m => m.Order).FirstAsync(shutdown);
        }
        catch (ArgumentException e)
        {
            await FinishAsync(run, [], [], null, Failed($"Remote model '{engine.Name}' is misconfigured: {e.Message}"), shutdown);
            return;
        }

        var manifest = run.Manifest;
        manifest.Seed ??= Random.Shared.Next();
        manifest.PromptTokenCount = prompt.Count;
        manifest.PromptTokensSha256 = RunManifest.HashPromptTokens(prompt);
        // The manifest's engine columns describe the server: kind, version and mode; address (never the key); served model id.
        var version = await remoteClient.ServerVersionAsync(engine, stop);
        manifest.EngineVersion = $"{engine.ParsedKind.Name()} {version ?? "(version not reported)"}; mode {(mode == RemoteMode.Chat ? "chat-completions" : "raw-completions")}";
        manifest.Device = $"remote {engine.SafeBaseUrl}";
        manifest.WeightsFingerprint = $"served model {engine.Model}";

        var request = new RemoteRequest(mode, conversation, prompt, manifest);
        for (var attempt = 1; ; attempt++)
        {
            var output = new RunOutput(run, replyOrder, clock.GetUtcNow().UtcDateTime, HarmonyTokenizer.Shared, updates);
            var logprobs = manifest.Logprobs ? new List<StoredLogprob>() : null;
            RemoteResult result;
            int published;
            try
            {
                using var slot = await remoteGate.EnterAsync(engine, stop);
                var generation = remoteClient.Submit(engine, request, stop);
                await FeedAsync(run, generation.Tokens, output, logprobs, new("model", manifest.ModelName), shutdown);
                result = await generation.Completion;
                published = generation.Published;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !shutdown.IsCancellationRequested)
            {
                result = new RemoteResult(GenerationFinish.Cancelled); // cancelled while waiting for a free slot
                published = 0;
            }
            if (result.Finish == GenerationFinish.Cancelled && shutdown.IsCancellationRequested)
                throw new OperationCanceledException(shutdown); // the process is stopping: the retry/recovery redoes the run

            if (result.Finish == GenerationFinish.Error)
            {
                metrics.RemoteEngineErrors.Add(1, new("engine", engine.Name), new("model", manifest.ModelName),
                    new("kind", result.Retryable ? "retryable" : "final"));
            }
            if (result is { Finish: GenerationFinish.Error, Retryable: true } && attempt <= engine.MaxRetries)
            {
                var delay = result.RetryAfter ?? engine.RetryDelay * Math.Pow(2, attempt - 1);
                if (delay > MaxRetryDelay) delay = MaxRetryDelay;
                logger.LogWarning("Run {RunId} on {Engine}: attempt {Attempt} failed ({Error}); retrying in {Delay}", run.Id, engine.Name, attempt, result.Error, delay);
                try
                {
                    await Task.Delay(delay, stop);
                }
                catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
                {
                    await FinishRemoteAsync(run, output, null, new RemoteResult(GenerationFinish.Cancelled), attempt, shutdown);
                    return;
                }
                if (published > 0) updates.Publish(new RunStarted(run.Id, run.BatchJobId, manifest.ModelName, run.WorkerName ?? "", run.AttemptCount));
                continue;
            }
            await FinishRemoteAsync(run, output, logprobs, result, attempt, shutdown);
            return;
        }
    }

    private async Task FinishRemoteAsync(Run run, RunOutput output, List<StoredLogprob>? logprobs, RemoteResult result, int attempts, CancellationToken shutdown)
    {
        output.Finish();
        var outcome = result.Finish switch
        {
            GenerationFinish.Stop => new Outcome(RunStatus.Succeeded, output.StoppedByCall ? "tool_call" : "stop", null),
            GenerationFinish.Length => new Outcome(RunStatus.Succeeded, "length", null),
            GenerationFinish.Cancelled => new Outcome(RunStatus.Cancelled, "cancelled", null),
            _ => Failed(attempts > 1 ? $"{result.Error} (gave up after {attempts} attempts)" : result.Error ?? "The remote server failed without a message."),
        };
        // A failed reply is dropped whole (a cancelled one keeps what streamed, as a local run does).
        var failed = outcome.Status == RunStatus.Failed;
        IReadOnlyList<Message> messages = failed ? [] : output.Snapshot();
        run.PromptTokens = result.PromptTokens ?? run.Manifest.PromptTokenCount ?? 0;
        run.OutputTokens = failed ? 0 : result.CompletionTokens ?? output.TokenCount;
        run.ReasoningTokens = failed ? 0 : output.ReasoningTokens;
        run.TimeToFirstTokenMs = result.TimeToFirstToken?.TotalMilliseconds;
        run.TokensPerSecond = result.TokensPerSecond;
        await FinishAsync(run, messages, output.Warnings, failed ? null : logprobs, outcome, shutdown);
    }
}
