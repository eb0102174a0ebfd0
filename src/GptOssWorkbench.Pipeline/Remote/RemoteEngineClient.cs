namespace GptOssWorkbench.Pipeline.Remote;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using TokenLogprob = GptOssWorkbench.Engine.Sampling.TokenLogprob;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Pipeline.Runs;

/// <summary>
/// The HTTP seam to a remote OpenAI-compatible server: one streaming request per call, answered as harmony token ids
/// (<see cref="RemoteGeneration"/>) so a remote run is stored exactly like a local one. Raw completions mode sends
/// the prompt our harmony renderer made (token ids) and reads the output with its special tokens kept; chat mode
/// sends chat messages and rebuilds the channels from the reasoning/content/tool-call deltas. One attempt per call:
/// the job decides about retries (it must also restart the run's output). Every failure ends as a
/// <see cref="RemoteResult"/> whose message names the server by its address without secrets.
/// </summary>
public sealed class RemoteEngineClient : IDisposable
{
    private static readonly int[] HarmonyStopIds = [HarmonyTokens.Return, HarmonyTokens.Call, HarmonyTokens.EndOfText];
    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    })
    {
        // Streams last minutes; stalls are caught per read by the engine's IdleTimeout instead.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public RemoteGeneration Submit(RemoteEngineOptions engine, RemoteRequest request, CancellationToken cancellationToken)
    {
        var generation = new RemoteGeneration();
        _ = Task.Run(() => RunAsync(engine, request, generation, cancellationToken), CancellationToken.None);
        return generation;
    }

    private async Task RunAsync(RemoteEngineOptions engine, RemoteRequest request, RemoteGeneration generation, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var reader = new ReplyReader(engine, request, generation, clock);
        RemoteResult result;
        try
        {
            var path = request.Mode == RemoteMode.Chat ? "chat/completions" : "completions";
            var body = request.Mode == RemoteMode.Chat ? ChatBody(engine, request) : CompletionsBody(engine, request);
            using var message = NewRequest(engine, HttpMethod.Post, path);
            message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(engine.IdleTimeout);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, idle.Token);
            if (!response.IsSuccessStatusCode)
                throw await StatusErrorAsync(engine, response, idle.Token);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (mediaType is not null && mediaType != "text/event-stream")
                throw new RemoteEngineException(
                    $"{engine.SafeBaseUrl} answered {mediaType} instead of a server-sent event stream: {Shorten(await response.Content.ReadAsStringAsync(idle.Token))}", false);
            await using var stream = await response.Content.ReadAsStreamAsync(idle.Token);
            using var lines = new StreamReader(stream, Encoding.UTF8);
            result = await reader.ReadAsync(lines, idle, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposing the response above closed the connection: the server sees the client go and stops generating.
            result = new RemoteResult(GenerationFinish.Cancelled);
        }
        catch (OperationCanceledException)
        {
            result = new RemoteResult(GenerationFinish.Error, $"{engine.SafeBaseUrl} sent nothing for {engine.IdleTimeout.TotalSeconds:0.#} s (timeout; the engine's IdleTimeout setting).", Retryable: true);
        }
        catch (RemoteEngineException e)
        {
            result = new RemoteResult(GenerationFinish.Error, e.Message, e.Retryable) { RetryAfter = e.RetryAfter };
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            var (text, retryable) = DescribeConnectionError(engine, e, reader.Tokens);
            result = new RemoteResult(GenerationFinish.Error, text, retryable);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            result = new RemoteResult(GenerationFinish.Error, e.Message);
        }
        generation.Complete(reader.Stamp(result));
    }

    /// <summary>GET {base}/v1/models: the served model ids (for "Test connection": llama.cpp answers any model id, so only this list tells).</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(RemoteEngineOptions engine, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(engine.IdleTimeout);
        try
        {
            using var message = NewRequest(engine, HttpMethod.Get, "models");
            using var response = await http.SendAsync(message, timeout.Token);
            if (!response.IsSuccessStatusCode) throw await StatusErrorAsync(engine, response, timeout.Token);
            var json = ParseJson(engine, await response.Content.ReadAsStringAsync(timeout.Token));
            if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                throw new RemoteEngineException($"{engine.SafeBaseUrl}/models did not answer a model list (no \"data\" array).", false);
            return data.EnumerateArray().Select(m => m.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "").Where(id => id.Length > 0).ToList();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteEngineException($"{engine.SafeBaseUrl} did not answer within {engine.IdleTimeout.TotalSeconds:0.#} s (timeout; the engine's IdleTimeout setting).", true);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new RemoteEngineException(DescribeConnectionError(engine, e, 0).Message, true, e);
        }
    }

    /// <summary>The server's version where its kind reports one (vLLM /version, SGLang /get_server_info, Ollama /api/version, llama.cpp /props); null otherwise.</summary>
    public async Task<string?> ServerVersionAsync(RemoteEngineOptions engine, CancellationToken cancellationToken)
    {
        var (path, field) = engine.ParsedKind switch
        {
            RemoteEngineKind.Vllm => ("version", "version"),
            RemoteEngineKind.Sglang => ("get_server_info", "version"),
            RemoteEngineKind.Ollama => ("api/version", "version"),
            RemoteEngineKind.LlamaCpp => ("props", "build_info"),
            _ => ((string?)null, (string?)null),
        };
        if (path is null) return null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            // These live at the server's root, beside /v1.
            using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(engine.ApiRoot, "../" + path));
            if (!string.IsNullOrEmpty(engine.ApiKey)) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", engine.ApiKey);
            using var response = await http.SendAsync(message, timeout.Token);
            if (!response.IsSuccessStatusCode) return null;
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            return json.RootElement.TryGetProperty(field!, out var value) ? value.ToString() : null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or OperationCanceledException)
        {
            return null; // a version is nice to record, never a reason to fail a run
        }
    }

    private static HttpRequestMessage NewRequest(RemoteEngineOptions engine, HttpMethod method, string path)
    {
        var message = new HttpRequestMessage(method, new Uri(engine.ApiRoot, path));
        if (!string.IsNullOrEmpty(engine.ApiKey)) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", engine.ApiKey);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return message;
    }

    private static JsonObject ChatBody(RemoteEngineOptions engine, RemoteRequest request)
    {
        var m = request.Manifest;
        var body = Common(engine, m);
        body["messages"] = ChatRequestMessages.From(request.Conversation);
        body["reasoning_effort"] = m.ReasoningEffort switch { Data.Runs.ReasoningEffort.Low => "low", Data.Runs.ReasoningEffort.High => "high", _ => "medium" };
        if (ChatRequestMessages.Tools(RunTools.Parse(m.ToolsJson)) is { } tools) body["tools"] = tools;
        if (m.Logprobs)
        {
            // The chat API's shape: a flag plus a count, unlike completions' single number.
            body["logprobs"] = true;
            if (m.TopLogprobs > 0) body["top_logprobs"] = m.TopLogprobs;
        }
        return body;
    }

    private static JsonObject CompletionsBody(RemoteEngineOptions engine, RemoteRequest request)
    {
        var m = request.Manifest;
        var body = Common(engine, m);
        body["prompt"] = new JsonArray(request.PromptTokens.Select(t => (JsonNode)t).ToArray());
        // vLLM and SGLang drop special tokens from the text by default, and with them the harmony structure.
        body["skip_special_tokens"] = false;
        body["spaces_between_special_tokens"] = false;
        if (engine.ParsedKind == RemoteEngineKind.Vllm) body["return_token_ids"] = true;
        if (engine.ParsedKind is RemoteEngineKind.Vllm or RemoteEngineKind.Sglang)
            body["stop_token_ids"] = new JsonArray(HarmonyStopIds.Select(t => (JsonNode)t).ToArray());
        if (m.Logprobs) body["logprobs"] = Math.Max(m.TopLogprobs, 1);
        return body;
    }

    /// <summary>The sampling settings every kind understands, plus the extra ones vLLM and SGLang accept.</summary>
    private static JsonObject Common(RemoteEngineOptions engine, RunManifest m)
    {
        var body = new JsonObject
        {
            ["model"] = engine.Model,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            ["max_tokens"] = m.MaxTokens,
            ["temperature"] = m.Temperature,
            ["top_p"] = m.TopP,
        };
        if (m.Seed is { } seed) body["seed"] = seed;
        if (m.StopSequences.Count > 0) body["stop"] = new JsonArray(m.StopSequences.Select(s => (JsonNode)s).ToArray());
        if (m.PresencePenalty != 0) body["presence_penalty"] = m.PresencePenalty;
        if (m.FrequencyPenalty != 0) body["frequency_penalty"] = m.FrequencyPenalty;
        if (engine.ParsedKind is RemoteEngineKind.Vllm or RemoteEngineKind.Sglang or RemoteEngineKind.LlamaCpp)
        {
            if (m.TopK is > 0) body["top_k"] = m.TopK;
            if (m.MinP is > 0) body["min_p"] = m.MinP;
            if (m.RepetitionPenalty != 1.0) body["repetition_penalty"] = m.RepetitionPenalty;
        }
        return body;
    }

    private static async Task<RemoteEngineException> StatusErrorAsync(RemoteEngineOptions engine, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        string detail;
        try
        {
            detail = ErrorMessage(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            detail = "(no body)";
        }
        var retryAfter = response.Headers.RetryAfter?.Delta;
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new RemoteEngineException($"{engine.SafeBaseUrl} refused the API key ({code}): {detail}", false),
            HttpStatusCode.NotFound =>
                new RemoteEngineException($"{engine.SafeBaseUrl} does not serve model '{engine.Model}' or this endpoint (404): {detail}", false),
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout =>
                new RemoteEngineException($"{engine.SafeBaseUrl} is busy ({code}): {detail}", true) { RetryAfter = retryAfter },
            _ when code >= 500 => new RemoteEngineException($"{engine.SafeBaseUrl} failed ({code}): {detail}", true) { RetryAfter = retryAfter },
            _ => new RemoteEngineException($"{engine.SafeBaseUrl} rejected the request ({code}): {detail}", false),
        };
    }

    /// <summary>
    /// The message of an error body in the shapes servers send: {"error": "text"} (vLLM/SGLang 401), {"error": {"message"}}
    /// (OpenAI, llama.cpp), {"detail": …} (FastAPI), {"message": …}, or plain text.
    /// </summary>
    public static string ErrorMessage(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String) return Shorten(error.GetString()!);
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)) return Shorten(message.ToString());
                }
                if (root.TryGetProperty("detail", out var detail)) return Shorten(detail.ToString());
                if (root.TryGetProperty("message", out var text)) return Shorten(text.ToString());
            }
        }
        catch (JsonException)
        {
        }
        return body.Length == 0 ? "(no body)" : Shorten(body);
    }

    private static (string Message, bool Retryable) DescribeConnectionError(RemoteEngineOptions engine, Exception e, int tokensSoFar)
    {
        var host = engine.ApiRoot.Authority;
        if (e.GetBaseException() is SocketException socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain =>
                    ($"The host of {engine.SafeBaseUrl} could not be resolved (DNS): {socket.Message}", false),
                SocketError.ConnectionRefused => ($"{host} refused the connection: is the server running on that port?", true),
                SocketError.TimedOut => ($"Connecting to {host} timed out.", true),
                _ when tokensSoFar > 0 => ($"The connection to {host} was lost after {tokensSoFar} tokens: {socket.Message}", true),
                _ => ($"Could not connect to {host}: {socket.Message}", true),
            };
        }
        if (FindInner<AuthenticationException>(e) is { } tls)
        {
            // .NET's own words ("Cannot determine the frame size…") do not say what to change, so say it.
            return tls.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase)
                ? ($"The TLS handshake with {host} failed: its certificate was not accepted ({tls.Message}). Use a certificate this machine trusts, or http:// if the server has no TLS.", false)
                : ($"The TLS handshake with {host} failed ({tls.Message}): the server does not seem to speak TLS on that port; if it serves plain HTTP, use http:// in the base URL.", false);
        }
        return tokensSoFar > 0
            ? ($"The connection to {host} was lost after {tokensSoFar} tokens: {e.Message}", true)
            : ($"The request to {host} failed: {e.Message}", true);
    }

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is T found) return found;
        return null;
    }

    internal static JsonElement ParseJson(RemoteEngineOptions engine, string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new RemoteEngineException($"{engine.SafeBaseUrl} sent something that is not JSON: {Shorten(text)}", false);
        }
    }

    internal static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= 300 ? text : text[..300] + "…";
    }

    public void Dispose() => http.Dispose();

    /// <summary>Reads one server-sent event stream into harmony tokens; counts bytes against the reply limit.</summary>
    private sealed class ReplyReader(RemoteEngineOptions engine, RemoteRequest request, RemoteGeneration generation, Stopwatch clock)
    {
        private readonly HarmonyTokenizer tokenizer = HarmonyTokenizer.Shared;
        private readonly ChatDeltaTranslator chat = new(engine.ParsedKind, HarmonyTokenizer.Shared);
        private readonly CompletionsTracker completions = new();
        private TimeSpan? firstToken;
        private int? promptTokens;
        private int? completionTokens;
        private string? finishReason;

        public int Tokens { get; private set; }

        public async Task<RemoteResult> ReadAsync(StreamReader lines, CancellationTokenSource idle, CancellationToken cancellationToken)
        {
            long bytes = 0;
            var done = false;
            while (await lines.ReadLineAsync(idle.Token) is { } line)
            {
                idle.CancelAfter(engine.IdleTimeout);
                bytes += Encoding.UTF8.GetByteCount(line) + 1;
                if (bytes > engine.MaxReplyBytes)
                    throw new RemoteEngineException($"The reply of {engine.SafeBaseUrl} grew over the limit of {engine.MaxReplyBytes} bytes (MaxReplyBytes); nothing of it was kept.", false);
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue; // blank separators, ": keep-alive" comments, "event:" lines
                var data = line[5..].Trim();
                if (data == "[DONE]")
                {
                    done = true;
                    break;
                }
                Handle(ParseJson(engine, data));
            }
            if (!done)
            {
                // The official clients take a silent end for a complete answer; it is a truncated one.
                return new RemoteResult(GenerationFinish.Error,
                    $"The stream of {engine.SafeBaseUrl} ended without [DONE] after {Tokens} tokens (finish reason {finishReason ?? "none"}): the reply is incomplete.",
                    Retryable: true);
            }
            if (finishReason is null)
                return new RemoteResult(GenerationFinish.Error, $"The stream of {engine.SafeBaseUrl} ended with [DONE] but no finish reason: the reply is incomplete.", Retryable: true);
            return new RemoteResult(finishReason == "length" ? GenerationFinish.Length : GenerationFinish.Stop);
        }

        public RemoteResult Stamp(RemoteResult result) => result with
        {
            Tokens = Tokens, PromptTokens = promptTokens, CompletionTokens = completionTokens, TimeToFirstToken = firstToken,
            Total = clock.Elapsed, ServerFinishReason = finishReason,
        };

        private void Handle(JsonElement chunk)
        {
            if (chunk.ValueKind != JsonValueKind.Object)
                throw new RemoteEngineException($"{engine.SafeBaseUrl} sent a stream chunk that is not a JSON object: {Shorten(chunk.ToString())}", false);
            if (chunk.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
                throw new RemoteEngineException($"{engine.SafeBaseUrl} reported an error mid-stream: {ErrorMessage(chunk.GetRawText())}", false);
            if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                if (usage.TryGetProperty("prompt_tokens", out var p) && p.ValueKind == JsonValueKind.Number) promptTokens = p.GetInt32();
                if (usage.TryGetProperty("completion_tokens", out var c) && c.ValueKind == JsonValueKind.Number) completionTokens = c.GetInt32();
            }
            if (!chunk.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array) return;
            foreach (var choice in choices.EnumerateArray())
            {
                var reason = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                if (request.Mode == RemoteMode.Chat)
                {
                    if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                    {
                        choice.TryGetProperty("logprobs", out var logprobs);
                        var (ids, values) = chat.Translate(delta, logprobs);
                        Emit(ids, values);
                    }
                    if (reason is not null) Emit(chat.Finish(reason), null);
                }
                else
                {
                    var (ids, logprobs) = completions.Read(choice, tokenizer);
                    Emit(ids, logprobs);
                    if (reason is not null) Emit(completions.Finish(reason, choice), null);
                }
                if (reason is not null) finishReason = reason;
            }
        }

        private void Emit(IReadOnlyList<int> ids, IReadOnlyList<(double Logprob, TokenLogprob[] Top)?>? logprobs)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                firstToken ??= clock.Elapsed;
                var lp = logprobs is not null && i < logprobs.Count ? logprobs[i] : null;
                generation.Publish(new TokenEvent(ids[i], lp?.Logprob, lp?.Top ?? [], clock.Elapsed));
                Tokens++;
            }
        }
    }
}
