namespace GptOssWorkbench.Web.Observability;

/// <summary>"Observability" settings: who may scrape /metrics, where traces go, how fresh database gauges are.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>
    /// A secret a Prometheus server sends as "Authorization: Bearer &lt;token&gt;" to scrape /metrics without an account.
    /// Unset: only admins' API keys may scrape.
    /// </summary>
    public string? MetricsToken { get; set; }

    /// <summary>
    /// OTLP endpoint for traces and metrics (e.g. http://otel-collector:4317). Unset: the standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT applies; with neither, nothing is exported.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// How long the database gauges (queue depth, runs by status, worker heartbeats) reuse one reading: every scrape
    /// would otherwise count all runs, and several Prometheus servers or a short scrape interval multiply that.
    /// </summary>
    public TimeSpan DatabaseGaugeCacheDuration { get; set; } = TimeSpan.FromSeconds(10);
}
