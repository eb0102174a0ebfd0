namespace GptOssWorkbench.Web.Api;

/// <summary>OpenAI-compatible API settings (configuration section "Api").</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest accepted request body; bigger ones get a 413 in OpenAI's error shape.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
}
