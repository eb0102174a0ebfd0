namespace GptOssWorkbench.Pipeline.Remote;

/// <summary>
/// One remote OpenAI-compatible server serving a gpt-oss model (configuration "Models:Remote:N:…"), e.g.
/// Models__Remote__0__Name=vllm/gpt-oss-120b, Models__Remote__0__BaseUrl=http://gpu-1:8000/v1,
/// Models__Remote__0__Model=openai/gpt-oss-120b, Models__Remote__0__Kind=vllm. The catalog lists it as a model
/// under <see cref="Name"/>; its runs go through the same job and output path as local ones.
/// </summary>
public sealed class RemoteEngineOptions
{
    /// <summary>The model name the workbench shows and stores in run manifests.</summary>
    public string Name { get; set; } = "";

    /// <summary>The server's address, with or without the trailing /v1 (both are accepted).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Sent as "Authorization: Bearer …" when set; never logged and never written into a manifest.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The served model id the server knows (the "model" field of each request).</summary>
    public string Model { get; set; } = "";

    /// <summary>vllm, sglang, ollama, llama.cpp or openai-compatible: decides the reasoning field and whether raw mode exists.</summary>
    public string Kind { get; set; } = "openai-compatible";

    /// <summary>
    /// auto (raw completions where the kind allows it, else chat), chat (/v1/chat/completions) or completions
    /// (/v1/completions with the prompt rendered by our harmony renderer).
    /// </summary>
    public string Mode { get; set; } = "auto";

    /// <summary>At most this many requests in flight to this server across all worker processes (the server batches them).</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>No byte from the server for this long fails the attempt (it is then retried).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>A reply larger than this fails the run: a misbehaving server cannot fill the database.</summary>
    public long MaxReplyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Retries of a request refused with 429/5xx or a lost connection, with exponential backoff from <see cref="RetryDelay"/>.</summary>
    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public RemoteEngineKind ParsedKind => RemoteEngineKinds.Parse(Kind);

    /// <summary>The mode this engine's runs use: raw completions keep harmony exact, but Ollama has no raw mode.</summary>
    public RemoteMode EffectiveMode => Mode.Trim().ToLowerInvariant() switch
    {
        "chat" => RemoteMode.Chat,
        "completions" when ParsedKind == RemoteEngineKind.Ollama =>
            throw new ArgumentException($"Remote model '{Name}': Ollama has no raw completions mode (it applies its own template); use Mode=chat."),
        "completions" => RemoteMode.Completions,
        "auto" or "" => ParsedKind is RemoteEngineKind.Ollama or RemoteEngineKind.OpenAiCompatible ? RemoteMode.Chat : RemoteMode.Completions,
        var other => throw new ArgumentException($"Remote model '{Name}': unknown Mode '{other}' (auto, chat or completions)."),
    };

    /// <summary>The base URL ending in /v1/ (so relative paths such as "chat/completions" resolve under it).</summary>
    public Uri ApiRoot
    {
        get
        {
            if (!Uri.TryCreate(BaseUrl.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"Remote model '{Name}': BaseUrl '{SafeBaseUrl}' is not an http(s) address.");
            var path = uri.AbsolutePath.TrimEnd('/');
            if (!path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase)) path += "/v1";
            return new UriBuilder(uri) { Path = path + "/", Query = "", Fragment = "", UserName = "", Password = "" }.Uri;
        }
    }

    /// <summary>The base URL without user info or query (where a key could hide): safe to store and show.</summary>
    public string SafeBaseUrl =>
        Uri.TryCreate(BaseUrl.Trim(), UriKind.Absolute, out var uri)
            ? new UriBuilder(uri) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.ToString().TrimEnd('/')
            : "(invalid address)";
}

public enum RemoteEngineKind { Vllm, Sglang, Ollama, LlamaCpp, OpenAiCompatible }

public enum RemoteMode { Chat, Completions }

public static class RemoteEngineKinds
{
    public static RemoteEngineKind Parse(string kind) => kind.Trim().ToLowerInvariant() switch
    {
        "vllm" => RemoteEngineKind.Vllm,
        "sglang" => RemoteEngineKind.Sglang,
        "ollama" => RemoteEngineKind.Ollama,
        "llama.cpp" or "llamacpp" or "llama-cpp" => RemoteEngineKind.LlamaCpp,
        "openai-compatible" or "openai" or "" => RemoteEngineKind.OpenAiCompatible,
        _ => throw new ArgumentException($"Unknown remote engine kind '{kind}' (vllm, sglang, ollama, llama.cpp or openai-compatible)."),
    };

    /// <summary>The kind's canonical name, or the configured text when it is not a known kind (the run then fails saying so).</summary>
    public static string TryName(string kind)
    {
        try
        {
            return Parse(kind).Name();
        }
        catch (ArgumentException)
        {
            return kind;
        }
    }

    public static string Name(this RemoteEngineKind kind) => kind switch
    {
        RemoteEngineKind.Vllm => "vllm",
        RemoteEngineKind.Sglang => "sglang",
        RemoteEngineKind.Ollama => "ollama",
        RemoteEngineKind.LlamaCpp => "llama.cpp",
        _ => "openai-compatible",
    };

    /// <summary>
    /// The delta/message fields that carry reasoning, first match wins. vLLM renamed reasoning_content to reasoning
    /// in late 2025 (accept both); SGLang and llama.cpp say reasoning_content; Ollama says reasoning.
    /// </summary>
    public static string[] ReasoningFields(this RemoteEngineKind kind) => kind switch
    {
        RemoteEngineKind.Vllm => ["reasoning", "reasoning_content"],
        RemoteEngineKind.Ollama => ["reasoning"],
        RemoteEngineKind.Sglang or RemoteEngineKind.LlamaCpp => ["reasoning_content"],
        _ => ["reasoning_content", "reasoning"],
    };
}
