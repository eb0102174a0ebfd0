namespace GptOssWorkbench.Pipeline.Downloads;

using Microsoft.Extensions.Configuration;

/// <summary>
/// Where and how to reach the Hugging Face hub (configuration section "Hub"). The environment variables users already
/// know from the hub's own tools win over the settings: HF_ENDPOINT (a mirror) and HF_TOKEN (gated or private repos).
/// </summary>
public sealed class HubOptions
{
    public const string Section = "Hub";
    public const string DefaultEndpoint = "https://huggingface.co";

    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>Bearer token; never logged (only whether one is set).</summary>
    public string? Token { get; set; }

    /// <summary>Files fetched at the same time: a few streams fill most links without hammering the CDN.</summary>
    public int ParallelFiles { get; set; } = 4;

    /// <summary>Free space that must remain after the download (the OS, logs and the database still need room).</summary>
    public long DiskReserveBytes { get; set; } = 1L << 30;

    /// <summary>How often one file's transfer is resumed after a dropped connection before the download fails.</summary>
    public int ResumeAttempts { get; set; } = 5;

    /// <summary>
    /// Where the Models page's downloads place their folders (one per repo and revision). Hosts default it to models/
    /// under their data folder. In the distributed mode a worker runs the job: give every process the same shared path.
    /// </summary>
    public string? DownloadRoot { get; set; }

    /// <summary>How often the download job writes its progress to the database row the page reads (and checks for a cancel).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool HasToken => !string.IsNullOrEmpty(Token);

    /// <summary>Reads "Hub:*" and lets HF_ENDPOINT / HF_TOKEN (from the configuration or the process environment) override.</summary>
    public static HubOptions From(IConfiguration? configuration, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var options = new HubOptions();
        configuration?.GetSection(Section).Bind(options);
        var endpoint = configuration?["HF_ENDPOINT"] ?? environment("HF_ENDPOINT");
        if (!string.IsNullOrWhiteSpace(endpoint)) options.Endpoint = endpoint;
        var token = configuration?["HF_TOKEN"] ?? environment("HF_TOKEN");
        if (!string.IsNullOrWhiteSpace(token)) options.Token = token.Trim();
        options.Endpoint = options.Endpoint.TrimEnd('/');
        return options;
    }
}
