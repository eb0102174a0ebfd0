namespace GptOssWorkbench.Web.Api;

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Runs;
using DataEffort = GptOssWorkbench.Data.Runs.ReasoningEffort;

/// <summary>A parse failure that names the request field at fault (OpenAI's "param").</summary>
public sealed class ApiRequestException(string message, string param) : Exception(message)
{
    public string Param { get; } = param;
}

/// <summary>A /v1/chat/completions body, read field by field so every error names its parameter.</summary>
public sealed partial record ChatCompletionRequest(string Model, IReadOnlyList<PromptMessage> Messages, RunSettings Settings, bool Stream, bool IncludeUsage)
{
    /// <summary>More messages than any real conversation has: a body that holds more is refused before it is rendered.</summary>
    public const int MaxMessages = 2048;

    /// <summary>OpenAI's own limit on function tools per request.</summary>
    public const int MaxTools = 128;

    public static ChatCompletionRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new ApiRequestException("The request body must be a JSON object.", "body");
        var model = String(body, "model") ?? throw new ApiRequestException("'model' is required.", "model");
        var messages = ReadMessages(body);
        var forcedPrefix = ContinuedReasoning(body, messages);
        var tools = ReadTools(body);
        var effort = String(body, "reasoning_effort") switch
        {
            null or "medium" => DataEffort.Medium,
            "low" => DataEffort.Low,
            "high" => DataEffort.High,
            var other => throw new ApiRequestException($"reasoning_effort must be low, medium or high (got '{other}').", "reasoning_effort"),
        };
        var n = Integer(body, "n");
        if (n is not null and not 1) throw new ApiRequestException($"Only n=1 is supported (got {n}).", "n");
        var logprobs = Bool(body, "logprobs") == true;
        var topLogprobs = Integer(body, "top_logprobs");
        if (topLogprobs is not null && !logprobs)
            throw new ApiRequestException("top_logprobs requires logprobs to be true.", "top_logprobs");
        if (topLogprobs is < 0 or > RunSettings.MaxTopLogprobs)
            throw new ApiRequestException($"top_logprobs must be between 0 and {RunSettings.MaxTopLogprobs} (got {topLogprobs}).", "top_logprobs");
        var settings = Sampling(body, model, defaultMaxTokens: 1024) with
        {
            ReasoningEffort = effort,
            ToolsJson = tools.Count > 0 ? RunTools.Write(tools) : null,
            Logprobs = logprobs,
            TopLogprobs = topLogprobs ?? 0,
            ForcedPrefixTokenIds = forcedPrefix,
        };
        var includeUsage = body.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
        return new ChatCompletionRequest(model, messages, settings, Bool(body, "stream") == true, includeUsage);
    }

    /// <summary>The sampling fields chat and raw completions share: max_tokens, temperature, top_p, seed, stop, penalties.</summary>
    internal static RunSettings Sampling(JsonElement body, string model, int defaultMaxTokens)
    {
        var maxTokens = Integer(body, "max_completion_tokens") ?? Integer(body, "max_tokens");
        if (maxTokens is < 1)
            throw new ApiRequestException($"max_tokens must be at least 1 (got {maxTokens}).", body.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens");
        var temperature = Number(body, "temperature") ?? 1.0;
        if (temperature is < 0 or > 2) throw new ApiRequestException($"temperature must be between 0 and 2 (got {temperature}).", "temperature");
        var topP = Number(body, "top_p") ?? 1.0;
        if (topP is <= 0 or > 1) throw new ApiRequestException($"top_p must be in (0, 1] (got {topP}).", "top_p");
        return new RunSettings
        {
            ModelName = model,
            Temperature = temperature,
            TopP = topP,
            MaxTokens = maxTokens ?? defaultMaxTokens,
            Seed = Integer(body, "seed"),
            Stop = Stop(body),
            PresencePenalty = Number(body, "presence_penalty") ?? 0,
            FrequencyPenalty = Number(body, "frequency_penalty") ?? 0,
        };
    }

    /// <summary>
    /// The extension <c>"continue_final_message": true</c> (vLLM's name): the last message is an assistant message with only
    /// <c>reasoning_content</c>, a partial analysis that the model continues in the same message (rendered without its
    /// <c>&lt;|end|&gt;</c>). That message is taken out of <paramref name="messages"/> and becomes the run's forced prefix.
    /// </summary>
    private static List<int>? ContinuedReasoning(JsonElement body, List<PromptMessage> messages)
    {
        if (Bool(body, "continue_final_message") != true) return null;
        var all = body.GetProperty("messages");
        var lastIndex = all.GetArrayLength() - 1;
        var last = all[lastIndex];
        var param = $"messages[{lastIndex}]";
        if (!(last.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "assistant"))
            throw new ApiRequestException("continue_final_message needs the last message to be an assistant message with the reasoning_content to continue.", $"{param}.role");
        if (!last.TryGetProperty("reasoning_content", out var reasoning) || reasoning.ValueKind != JsonValueKind.String)
            throw new ApiRequestException("continue_final_message continues a partial analysis: the last assistant message needs reasoning_content (a string).", $"{param}.reasoning_content");
        if (Content(last, param).Length > 0 || last.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
            throw new ApiRequestException("continue_final_message continues the reasoning only: the last assistant message must have no content or tool_calls.", param);
        messages.RemoveAt(messages.Count - 1);
        try
        {
            return GptOssWorkbench.Pipeline.Branches.BranchService.AnalysisPrefix(reasoning.GetString()!);
        }
        catch (GptOssWorkbench.Pipeline.Branches.BranchRefusedException e)
        {
            throw new ApiRequestException(e.Message, $"{param}.reasoning_content");
        }
    }

    private static List<PromptMessage> ReadMessages(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw new ApiRequestException("'messages' must be a non-empty array.", "messages");
        if (messages.GetArrayLength() > MaxMessages)
            throw new ApiRequestException($"'messages' has {messages.GetArrayLength()} messages; at most {MaxMessages} are accepted.", "messages");
        var result = new List<PromptMessage>();
        var callNames = new Dictionary<string, string>(); // tool_call_id -> function name, from earlier assistant messages
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var param = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object) throw new ApiRequestException("Each message must be an object.", param);
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var content = Content(message, param);
            if (message.TryGetProperty("tool_calls", out var anyCalls) && anyCalls.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
                throw new ApiRequestException("tool_calls must be an array.", $"{param}.tool_calls");
            if (role == "assistant" && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
            {
                if (content.Length > 0) result.Add(new PromptMessage(MessageRole.Assistant, content, Channels.Commentary));
                var callIndex = 0;
                foreach (var call in calls.EnumerateArray())
                {
                    var callParam = $"{param}.tool_calls[{callIndex++}]";
                    if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                        throw new ApiRequestException("A tool call needs a function object.", callParam);
                    var name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                    if (!FunctionName().IsMatch(name)) throw new ApiRequestException($"Invalid function name '{name}'.", $"{callParam}.function.name");
                    var arguments = function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "{}";
                    if (call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) callNames[id.GetString()!] = name;
                    // Harmony writes a call as a commentary message addressed to functions.NAME (the renderer adds <|call|>).
                    result.Add(new PromptMessage(MessageRole.Assistant, arguments, Channels.Commentary, ToolCalls.Namespace + name));
                }
                continue;
            }
            if (role == "tool")
            {
                var callId = message.TryGetProperty("tool_call_id", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
                if (!callNames.TryGetValue(callId, out var toolName))
                    throw new ApiRequestException($"tool_call_id '{callId}' matches no tool call of an earlier assistant message.", $"{param}.tool_call_id");
                // A tool's answer: author functions.NAME, to the assistant, on commentary.
                result.Add(new PromptMessage(MessageRole.Tool, content, Channels.Commentary, ToolCalls.Namespace + toolName));
                continue;
            }
            result.Add(role switch
            {
                "system" => new PromptMessage(MessageRole.System, content),
                "developer" => new PromptMessage(MessageRole.Developer, content),
                "user" => new PromptMessage(MessageRole.User, content),
                "assistant" => new PromptMessage(MessageRole.Assistant, content, "final"),
                _ => throw new ApiRequestException($"Unknown role '{role}'; use system, developer, user, assistant or tool.", $"{param}.role"),
            });
        }
        if (!result.Any(m => m.Role == MessageRole.User)) throw new ApiRequestException("'messages' contains no user message.", "messages");
        return result;
    }

    /// <summary>Function tools; tool_choice "none" drops them. Harmony cannot force a call, so "required" is refused.</summary>
    private static List<ToolDescription> ReadTools(JsonElement body)
    {
        var choice = body.TryGetProperty("tool_choice", out var c) ? c : default;
        if (choice.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String or JsonValueKind.Object))
            throw new ApiRequestException("tool_choice must be \"auto\" or \"none\".", "tool_choice");
        if (choice.ValueKind == JsonValueKind.Object || (choice.ValueKind == JsonValueKind.String && choice.GetString() is not ("auto" or "none")))
            throw new ApiRequestException("tool_choice must be \"auto\" or \"none\": gpt-oss decides itself whether to call a tool.", "tool_choice");
        if (!body.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null) return [];
        if (tools.ValueKind != JsonValueKind.Array) throw new ApiRequestException("tools must be an array.", "tools");
        if (tools.GetArrayLength() > MaxTools)
            throw new ApiRequestException($"tools has {tools.GetArrayLength()} functions; at most {MaxTools} are accepted (as OpenAI's API).", "tools");
        var result = new List<ToolDescription>();
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var param = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || !IsString(type, "function")
                || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw new ApiRequestException("Each tool must be {\"type\": \"function\", \"function\": {...}}.", param);
            var name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
            if (!FunctionName().IsMatch(name)) throw new ApiRequestException($"Function names are 1-64 letters, digits, _ or - (got '{name}').", $"{param}.function.name");
            var description = function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            JsonObject? parameters = null;
            if (function.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                parameters = p.ValueKind == JsonValueKind.Object ? JsonNode.Parse(p.GetRawText())!.AsObject()
                    : throw new ApiRequestException("parameters must be a JSON Schema object.", $"{param}.function.parameters");
            }
            result.Add(new ToolDescription(name, description, parameters));
        }
        return choice.ValueKind == JsonValueKind.String && choice.GetString() == "none" ? [] : result;
    }

    /// <summary>A string, or an array of {"type":"text","text":...} parts (other part types are refused).</summary>
    private static string Content(JsonElement message, string param)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw new ApiRequestException("content must be a string or an array of text parts.", $"{param}.content");
        var text = new System.Text.StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || !IsString(type, "text")
                || !part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                throw new ApiRequestException("Only text content parts are supported.", $"{param}.content");
            text.Append(partText.GetString());
        }
        return text.ToString();
    }

    private static IReadOnlyList<string> Stop(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return [];
        if (stop.ValueKind == JsonValueKind.String) return [stop.GetString()!];
        if (stop.ValueKind == JsonValueKind.Array && stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String && s.GetString()!.Length > 0) && stop.GetArrayLength() <= 4)
            return stop.EnumerateArray().Select(s => s.GetString()!).ToList();
        throw new ApiRequestException("stop must be a string or an array of up to 4 non-empty strings.", "stop");
    }

    private static bool IsString(JsonElement value, string expected) => value.ValueKind == JsonValueKind.String && value.GetString() == expected;

    internal static string? String(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : throw new ApiRequestException($"{name} must be a string.", name);

    internal static double? Number(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw new ApiRequestException($"{name} must be a number.", name);

    internal static int? Integer(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : throw new ApiRequestException($"{name} must be an integer.", name);

    internal static bool? Bool(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw new ApiRequestException($"{name} must be true or false.", name);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();
}
