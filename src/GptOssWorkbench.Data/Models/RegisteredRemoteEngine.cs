namespace GptOssWorkbench.Data.Models;

using GptOssWorkbench.Data.Workspaces;

/// <summary>
/// A remote OpenAI-compatible server (vLLM, SGLang, Ollama, llama.cpp, …) an admin registered on the Models page; the
/// same settings as a configured Models:Remote entry. Its name is unique among all models, configured ones included,
/// because runs record the model by name. The API key is kept only as a Data Protection blob (see
/// RemoteEngineKeyProtector in the pipeline): the database alone never reveals it.
/// </summary>
public class RegisteredRemoteEngine
{
    public long Id { get; set; }

    /// <summary>The model name users pick and runs record, e.g. vllm/gpt-oss-120b. Cannot change: past runs carry it.</summary>
    public string Name { get; set; } = "";

    /// <summary>The server's address, with or without the trailing /v1; never with credentials in it (refused on input).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The served model id the server knows (the "model" field of each request).</summary>
    public string Model { get; set; } = "";

    /// <summary>vllm, sglang, ollama, llama.cpp or openai-compatible.</summary>
    public string Kind { get; set; } = "openai-compatible";

    public int MaxConcurrency { get; set; } = 4;

    /// <summary>The API key encrypted by ASP.NET Core Data Protection, or null when the server needs none.</summary>
    public byte[]? ProtectedApiKey { get; set; }

    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }
    public User? CreatedBy { get; set; }

    public DateTime UpdatedAt { get; set; }
    public string? UpdatedByUserId { get; set; }
    public User? UpdatedBy { get; set; }
}
