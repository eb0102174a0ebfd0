namespace GptOssWorkbench.Pipeline.Models;

/// <summary>Model folders (configuration section "Models"), e.g. Models__Folders__0__Name=gpt-oss-20b, Models__Folders__0__Path=/models/20b.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    public List<ModelFolderOptions> Folders { get; set; } = [];

    /// <summary>Remote OpenAI-compatible servers (vLLM, SGLang, Ollama, llama.cpp, …) listed as models: Models:Remote:N:Name/BaseUrl/ApiKey/Model/Kind/MaxConcurrency.</summary>
    public List<Remote.RemoteEngineOptions> Remote { get; set; } = [];

    /// <summary>
    /// Where the random-weight demo model is written when no model is configured. Hosts default it to
    /// models/ under their data folder.
    /// </summary>
    public string? DemoModelDirectory { get; set; }

    /// <summary>Create (and register) the demo model on start when neither configuration nor the database lists a model.</summary>
    public bool CreateDemoModel { get; set; } = true;
}

public sealed class ModelFolderOptions
{
    public string Name { get; set; } = "";
    public string Path { get; set; } = "";
}
