namespace GptOssWorkbench.Web.Api;

using System.Text.Json;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Runs;

/// <summary>
/// A /v1/completions body. <c>prompt</c> is raw harmony: a string whose special tokens ("&lt;|start|&gt;", …) are
/// read as special tokens, or the token ids themselves (as another workbench in raw completions mode sends them).
/// Either way it is kept as text (ids decoded), since that is what the run stores and the job encodes.
/// </summary>
public sealed record CompletionRequest(string Model, string Prompt, RunSettings Settings, bool Stream, bool IncludeUsage, bool SkipSpecialTokens)
{
    /// <summary>OpenAI's limit for completions' integer logprobs.</summary>
    public const int MaxLogprobs = 5;

    public static CompletionRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new ApiRequestException("The request body must be a JSON object.", "body");
        var model = ChatCompletionRequest.String(body, "model") ?? throw new ApiRequestException("'model' is required.", "model");
        var prompt = ReadPrompt(body);
        var n = ChatCompletionRequest.Integer(body, "n");
        if (n is not null and not 1) throw new ApiRequestException($"Only n=1 is supported (got {n}).", "n");
        var bestOf = ChatCompletionRequest.Integer(body, "best_of");
        if (bestOf is not null and not 1) throw new ApiRequestException($"Only best_of=1 is supported (got {bestOf}).", "best_of");
        if (ChatCompletionRequest.Bool(body, "echo") == true) throw new ApiRequestException("echo is not supported: the prompt is the one you sent.", "echo");
        if (ChatCompletionRequest.String(body, "suffix") is { Length: > 0 }) throw new ApiRequestException("suffix is not supported (gpt-oss has no insertion mode).", "suffix");
        var logprobs = ChatCompletionRequest.Integer(body, "logprobs");
        if (logprobs is < 0 or > MaxLogprobs) throw new ApiRequestException($"logprobs must be between 0 and {MaxLogprobs} (got {logprobs}).", "logprobs");
        // OpenAI's and vLLM's default for completions: 16 tokens.
        var settings = ChatCompletionRequest.Sampling(body, model, defaultMaxTokens: 16) with
        {
            Logprobs = logprobs is not null,
            TopLogprobs = logprobs ?? 0,
        };
        var includeUsage = body.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
        // Unlike vLLM the default keeps the special tokens: the harmony structure is the point of this endpoint.
        var skipSpecial = ChatCompletionRequest.Bool(body, "skip_special_tokens") == true;
        return new CompletionRequest(model, prompt, settings, ChatCompletionRequest.Bool(body, "stream") == true, includeUsage, skipSpecial);
    }

    private static string ReadPrompt(JsonElement body)
    {
        if (!body.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
            throw new ApiRequestException("'prompt' is required: harmony text or an array of token ids.", "prompt");
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind is JsonValueKind.String or JsonValueKind.Array)
            prompt = prompt[0]; // a batch of one prompt
        if (prompt.ValueKind == JsonValueKind.String)
        {
            var text = prompt.GetString()!;
            return text.Length > 0 ? text : throw new ApiRequestException("'prompt' is empty.", "prompt");
        }
        if (prompt.ValueKind != JsonValueKind.Array || prompt.GetArrayLength() == 0)
            throw new ApiRequestException("'prompt' must be a non-empty string or a non-empty array of token ids.", "prompt");
        var ids = new List<int>(prompt.GetArrayLength());
        var index = 0;
        foreach (var item in prompt.EnumerateArray())
        {
            if (item.ValueKind is JsonValueKind.String or JsonValueKind.Array)
                throw new ApiRequestException("Only one prompt per request is supported.", "prompt");
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id))
                throw new ApiRequestException($"prompt[{index}] is not an integer token id.", $"prompt[{index}]");
            // Reserved and out-of-range ids have no text: they cannot be stored, so they are refused rather than dropped.
            if (HarmonyTokenizer.Shared.TokenBytes(id).Length == 0)
                throw new ApiRequestException($"prompt[{index}] = {id} is not a token of the harmony vocabulary (0-{HarmonyTokens.VocabularySize - 1}, reserved ids excluded).", $"prompt[{index}]");
            ids.Add(id);
            index++;
        }
        return HarmonyTokenizer.Shared.Decode(ids);
    }
}
