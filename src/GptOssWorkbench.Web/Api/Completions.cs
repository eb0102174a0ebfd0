namespace GptOssWorkbench.Web.Api;

using System.Security.Claims;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Accounts;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

/// <summary>
/// POST /v1/completions over a raw harmony prompt (text with special tokens, or token ids): the run (source
/// ApiCompletion) goes through the same jobs and engine as every other run, and its output comes back as harmony
/// text, headers and end tokens included, so a client that renders and parses harmony itself (another workbench in
/// raw completions mode) gets the channels exactly. Same keys, roles, limits and error shape as /v1/chat/completions.
/// </summary>
public sealed class Completions(
    RunLauncher launcher, RunControl control, RunUpdates updates, ModelCatalog catalog, JobStorage jobs,
    IDbContextFactory<WorkbenchDbContext> dbFactory, IOptions<ApiOptions> options, TimeProvider clock, ILogger<Completions> logger)
{
    /// <param name="reasoningPolicy">A key owner whose reasoning is Hidden gets no analysis messages, as in chat completions.</param>
    public async Task<IResult> HandleAsync(HttpContext context, ReasoningVisibilityPolicy reasoningPolicy)
    {
        var sendReasoning = await reasoningPolicy.ForAsync(context.User, context.RequestAborted) != ReasoningVisibility.Hidden;
        var (request, error) = await ApiRequestBody.ParseAsync(context.Request, options.Value.MaxRequestBodyBytes, "prompt", CompletionRequest.Parse);
        if (request is null) return error!;
        if (await catalog.FindAsync(request.Model, context.RequestAborted) is null) return OpenAiErrors.ModelNotFound(request.Model);
        if (!ApiWorkers.Any(jobs, logger))
            return OpenAiErrors.Result(503, "No worker is running to serve this model; try again later.", "server_error", code: "no_worker");

        using var watcher = new ApiRunWatcher(updates);
        long runId;
        try
        {
            runId = await launcher.StartRawPromptRunAsync(request.Prompt, request.Settings, context.User.FindFirstValue(ClaimTypes.NameIdentifier), watcher.Watch, context.RequestAborted);
        }
        catch (ArgumentException e)
        {
            return OpenAiErrors.BadRequest(e.Message, null);
        }
        logger.LogInformation("API completion request stored as run {RunId} (model {Model}, stream {Stream}).", runId, request.Model, request.Stream);
        // A client that hangs up cancels its run, so the engine stops spending time on it.
        await using var cancelOnAbort = context.RequestAborted.Register(() => _ = control.CancelAsync(runId));

        var reply = new Reply($"cmpl-run{runId}", clock.GetUtcNow().ToUnixTimeSeconds(), request.Model);
        if (request.Stream)
        {
            await StreamAsync(context, watcher, runId, reply, request, sendReasoning);
            return Results.Empty;
        }
        RunFinished? finished = null;
        var logprobs = new List<TokenLogprob>();
        await foreach (var update in watcher.ReadAsync(runId, context.RequestAborted))
        {
            finished = update as RunFinished ?? finished;
            if (update is RunStarted) logprobs.Clear(); // a retried attempt starts the output over
            if (update is RunDelta { Logprobs: { } tokens } delta && (sendReasoning || delta.Channel != "analysis")) logprobs.AddRange(tokens);
        }
        if (finished is null || finished.Status != RunStatus.Succeeded)
            return OpenAiErrors.Result(500, ApiEvents.FailureMessage(runId, finished), "server_error");

        await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
        var messages = await db.Messages.AsNoTracking().Where(m => m.RunId == runId).OrderBy(m => m.Order).ThenBy(m => m.Id).ToListAsync(context.RequestAborted);
        var text = new HarmonyOutputText(request.SkipSpecialTokens);
        var output = string.Concat(messages.Where(m => sendReasoning || m.Channel != "analysis")
            .Select((m, i) => text.Append(i, m.Channel, m.Recipient, m.Content))) + text.End(finished.FinishReason);
        return Results.Json(new
        {
            id = reply.Id,
            @object = "text_completion",
            created = reply.Created,
            model = reply.Model,
            choices = new[]
            {
                new
                {
                    index = 0,
                    text = output,
                    logprobs = request.Settings.Logprobs ? ApiLogprobs.Completions(logprobs, 0) : null,
                    finish_reason = HarmonyOutputText.FinishReason(finished.FinishReason),
                },
            },
            usage = ApiEvents.Usage(finished.Stats),
        });
    }

    private sealed record Reply(string Id, long Created, string Model)
    {
        public object Chunk(string text, string? finishReason, object? logprobs = null) => new
        {
            id = Id, @object = "text_completion", created = Created, model = Model,
            choices = new[] { new { index = 0, text, logprobs, finish_reason = finishReason } },
        };
    }

    private static async Task StreamAsync(HttpContext context, ApiRunWatcher watcher, long runId, Reply reply, CompletionRequest request, bool sendReasoning)
    {
        var response = context.Response;
        ApiEvents.Begin(response);
        var text = new HarmonyOutputText(request.SkipSpecialTokens);
        var written = 0; // characters sent so far, for logprobs' text_offset
        try
        {
            await foreach (var update in watcher.ReadAsync(runId, context.RequestAborted))
            {
                switch (update)
                {
                    case RunStarted when written > 0:
                        // A retried attempt starts over; what was sent cannot be taken back, so the stream fails instead of repeating.
                        await ApiEvents.WriteAsync(response, new OpenAiErrorBody(new OpenAiError(
                            $"Run {runId} was restarted after {written} characters had been streamed; send the request again.", "server_error", null, null)));
                        await ApiEvents.DoneAsync(response);
                        return;
                    case RunDelta delta when sendReasoning || delta.Channel != "analysis":
                        var piece = text.Append(delta.MessageIndex, delta.Channel, delta.Recipient, delta.Text);
                        var logprobs = request.Settings.Logprobs && delta.Logprobs is { } tokens
                            ? ApiLogprobs.Completions(tokens, written + piece.Length - delta.Text.Length) : null;
                        await ApiEvents.WriteAsync(response, reply.Chunk(piece, null, logprobs));
                        written += piece.Length;
                        break;
                    case RunFinished { Status: RunStatus.Succeeded } finished:
                        await ApiEvents.WriteAsync(response, reply.Chunk(text.End(finished.FinishReason), HarmonyOutputText.FinishReason(finished.FinishReason)));
                        if (request.IncludeUsage)
                        {
                            await ApiEvents.WriteAsync(response, new
                            {
                                id = reply.Id, @object = "text_completion", created = reply.Created, model = reply.Model,
                                choices = Array.Empty<object>(), usage = ApiEvents.Usage(finished.Stats),
                            });
                        }
                        break;
                    case RunFinished failed:
                        await ApiEvents.WriteFailureAsync(response, failed);
                        break;
                }
            }
            await ApiEvents.DoneAsync(response);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its run is being cancelled.
        }
    }
}
