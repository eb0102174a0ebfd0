namespace GptOssWorkbench.Web.Api;

using System.Text.Json;
using GptOssWorkbench.Pipeline.Updates;

/// <summary>Server-sent events as OpenAI streams them: "data: {json}" per chunk, flushed at once, "data: [DONE]" at the end.</summary>
public static class ApiEvents
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Begin(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
    }

    public static async Task WriteAsync(HttpResponse response, object payload)
    {
        await response.WriteAsync("data: " + JsonSerializer.Serialize(payload, Json) + "\n\n", response.HttpContext.RequestAborted);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }

    /// <summary>A run that did not succeed, as an error event in the stream (the status line was sent long ago).</summary>
    public static Task WriteFailureAsync(HttpResponse response, RunFinished failed) =>
        WriteAsync(response, new OpenAiErrorBody(new OpenAiError(FailureMessage(failed.RunId, failed), "server_error", null, null)));

    public static string FailureMessage(long runId, RunFinished? finished) =>
        $"Run {runId} ended {finished?.Status}: {finished?.Error ?? finished?.FinishReason}.";

    public static async Task DoneAsync(HttpResponse response)
    {
        await response.WriteAsync("data: [DONE]\n\n", response.HttpContext.RequestAborted);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }

    /// <summary>OpenAI's usage object (with reasoning tokens, as its o-series models report them).</summary>
    public static object Usage(RunStats stats) => new
    {
        prompt_tokens = stats.PromptTokens,
        completion_tokens = stats.OutputTokens,
        total_tokens = stats.PromptTokens + stats.OutputTokens,
        completion_tokens_details = new { reasoning_tokens = stats.ReasoningTokens },
    };
}
