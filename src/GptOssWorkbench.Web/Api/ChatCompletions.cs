namespace GptOssWorkbench.Web.Api;

using System.Security.Claims;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

/// <summary>
/// POST /v1/chat/completions. Every request becomes a stored run (source Api) executed by the same Hangfire jobs
/// and engine as chats and batches, so it batches with them and can be reviewed later. Output arrives as
/// <see cref="RunUpdate"/>s: the analysis channel becomes reasoning_content (as vLLM), the final channel content.
/// </summary>
public sealed class ChatCompletions(
    RunLauncher launcher, RunControl control, RunUpdates updates, ModelCatalog catalog, JobStorage jobs,
    IDbContextFactory<WorkbenchDbContext> dbFactory, IOptions<ApiOptions> options, TimeProvider clock, ILogger<ChatCompletions> logger)
{
    /// <param name="reasoningPolicy">
    /// The key owner's role decides whether reasoning_content is sent: Hidden omits it (streaming and not). Collapsed
    /// sends it like Shown: an API client has no "click to reveal", and the admin page says so.
    /// </param>
    public async Task<IResult> HandleAsync(HttpContext context, ReasoningVisibilityPolicy reasoningPolicy)
    {
        var sendReasoning = await reasoningPolicy.ForAsync(context.User, context.RequestAborted) != ReasoningVisibility.Hidden;
        var (request, error) = await ApiRequestBody.ParseAsync(context.Request, options.Value.MaxRequestBodyBytes, "messages", ChatCompletionRequest.Parse);
        if (request is null) return error!;
        if (await catalog.FindAsync(request.Model, context.RequestAborted) is null)
        {
            return OpenAiErrors.ModelNotFound(request.Model);
        }
        if (!ApiWorkers.Any(jobs, logger))
        {
            return OpenAiErrors.Result(503, "No worker is running to serve this model; try again later.", "server_error", code: "no_worker");
        }

        using var watcher = new ApiRunWatcher(updates);
        ChatTurn turn;
        try
        {
            turn = await launcher.StartConversationRunAsync(request.Messages, request.Settings, RunSource.Api,
                context.User.FindFirstValue(ClaimTypes.NameIdentifier), watcher.Watch, context.RequestAborted);
        }
        catch (ArgumentException e)
        {
            return OpenAiErrors.BadRequest(e.Message, null);
        }
        logger.LogInformation("API request stored as run {RunId} (model {Model}, stream {Stream}).", turn.RunId, request.Model, request.Stream);
        // A client that hangs up cancels its run, so the engine stops spending time on it.
        await using var cancelOnAbort = context.RequestAborted.Register(() => _ = control.CancelAsync(turn.RunId));

        var id = $"chatcmpl-run{turn.RunId}";
        var created = clock.GetUtcNow().ToUnixTimeSeconds();
        if (request.Stream)
        {
            await StreamAsync(context, watcher, turn.RunId, id, created, request, sendReasoning);
            return Results.Empty;
        }
        RunFinished? finished = null;
        var answerLogprobs = new List<TokenLogprob>();
        await foreach (var update in watcher.ReadAsync(turn.RunId, context.RequestAborted))
        {
            finished = update as RunFinished ?? finished;
            if (update is RunStarted) answerLogprobs.Clear(); // a retried attempt starts the output over
            if (update is RunDelta { Logprobs: { } logprobs } delta && IsAnswer(delta.Channel, delta.Recipient)) answerLogprobs.AddRange(logprobs);
        }
        if (finished is null || finished.Status != RunStatus.Succeeded)
        {
            return OpenAiErrors.Result(500, ApiEvents.FailureMessage(turn.RunId, finished), "server_error");
        }
        var (reasoning, content, calls) = await OutputAsync(turn.RunId, context.RequestAborted);
        return Results.Json(new
        {
            id,
            @object = "chat.completion",
            created,
            model = request.Model,
            choices = new[]
            {
                new
                {
                    index = 0,
                    message = AssistantMessage(content, sendReasoning ? reasoning : null, sendReasoning, calls),
                    finish_reason = FinishReason(finished.FinishReason),
                    logprobs = request.Settings.Logprobs ? ApiLogprobs.Content(answerLogprobs) : null,
                },
            },
            usage = ApiEvents.Usage(finished.Stats),
        });
    }

    /// <summary>A dictionary rather than an anonymous object: when reasoning is hidden the field is absent, not null.</summary>
    private static Dictionary<string, object?> AssistantMessage(string content, string? reasoning, bool sendReasoning, IReadOnlyList<ToolCall> calls)
    {
        var message = new Dictionary<string, object?>
        {
            ["role"] = "assistant",
            ["content"] = calls.Count > 0 && content.Length == 0 ? null : content,
        };
        if (sendReasoning)
            message["reasoning_content"] = reasoning;
        message["tool_calls"] = calls.Count > 0 ? calls.Select(c => c.ToJson()).ToArray() : null;
        return message;
    }

    private async Task StreamAsync(HttpContext context, ApiRunWatcher watcher, long runId, string id, long created, ChatCompletionRequest request, bool sendReasoning)
    {
        var response = context.Response;
        ApiEvents.Begin(response);
        object Chunk(object delta, string? finishReason, object? logprobs = null) => new
        {
            id, @object = "chat.completion.chunk", created, model = request.Model,
            choices = new[] { new { index = 0, delta, finish_reason = finishReason, logprobs } },
        };
        await ApiEvents.WriteAsync(response, Chunk(new { role = "assistant", content = "" }, null));
        var callIndexes = new Dictionary<int, int>(); // run message index -> position in tool_calls
        try
        {
            await foreach (var update in watcher.ReadAsync(runId, context.RequestAborted))
            {
                switch (update)
                {
                    case RunDelta { Channel: "analysis" } delta:
                        if (sendReasoning)
                            await ApiEvents.WriteAsync(response, Chunk(new { reasoning_content = delta.Text }, null));
                        break;
                    case RunDelta delta when ToolCalls.IsCall(delta.Recipient):
                        object call;
                        if (callIndexes.TryGetValue(delta.MessageIndex, out var position))
                        {
                            call = new { index = position, function = new { arguments = delta.Text } };
                        }
                        else
                        {
                            // The first piece of a call names it; later pieces only add argument text.
                            callIndexes[delta.MessageIndex] = position = callIndexes.Count;
                            call = new
                            {
                                index = position, id = ToolCalls.Id(runId, delta.MessageIndex), type = "function",
                                function = new { name = delta.Recipient![ToolCalls.Namespace.Length..], arguments = delta.Text },
                            };
                        }
                        await ApiEvents.WriteAsync(response, Chunk(new { tool_calls = new[] { call } }, null));
                        break;
                    case RunDelta delta when IsAnswer(delta.Channel, delta.Recipient):
                        var logprobs = request.Settings.Logprobs && delta.Logprobs is { } tokens ? ApiLogprobs.Content(tokens) : null;
                        await ApiEvents.WriteAsync(response, Chunk(new { content = delta.Text }, null, logprobs));
                        break;
                    case RunFinished { Status: RunStatus.Succeeded } finished:
                        await ApiEvents.WriteAsync(response, Chunk(new { }, FinishReason(finished.FinishReason)));
                        if (request.IncludeUsage)
                        {
                            await ApiEvents.WriteAsync(response, new
                            {
                                id, @object = "chat.completion.chunk", created, model = request.Model,
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

    private async Task<(string? Reasoning, string Content, IReadOnlyList<ToolCall> Calls)> OutputAsync(long runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var messages = await db.Messages.AsNoTracking().Where(m => m.RunId == runId).OrderBy(m => m.Order).ThenBy(m => m.Id).ToListAsync(cancellationToken);
        return Output(runId, messages);
    }

    /// <summary>A run's stored output messages as an OpenAI assistant message: reasoning, answer text, tool calls.</summary>
    public static (string? Reasoning, string Content, IReadOnlyList<ToolCall> Calls) Output(long runId, IReadOnlyList<GptOssWorkbench.Data.Conversations.Message> messages)
    {
        var reasoning = string.Concat(messages.Where(m => m.Channel == "analysis").Select(m => m.Content));
        var content = string.Concat(messages.Where(m => IsAnswer(m.Channel, m.Recipient)).Select(m => m.Content));
        return (reasoning.Length == 0 ? null : reasoning, content, ToolCalls.FromMessages(runId, messages));
    }

    /// <summary>What the user reads: the final channel, and commentary preambles that are not tool calls.</summary>
    private static bool IsAnswer(string? channel, string? recipient) =>
        channel is "final" or null || (channel == "commentary" && recipient is null);

    private static string FinishReason(string? runFinish) => runFinish switch
    {
        "length" => "length",
        "tool_call" => "tool_calls",
        _ => "stop",
    };
}
