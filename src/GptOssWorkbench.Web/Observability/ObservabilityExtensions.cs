namespace GptOssWorkbench.Web.Observability;

using GptOssWorkbench.Pipeline.Observability;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

/// <summary>
/// OpenTelemetry for the web app: the workbench's meter (<see cref="WorkbenchMetrics"/>, <see cref="DatabaseGauges"/>),
/// ASP.NET Core, HttpClient and runtime metrics, scraped by Prometheus at /metrics; traces of runs (request → job →
/// engine) and the same metrics sent by OTLP when an endpoint is configured, nothing exported otherwise.
/// </summary>
public static class ObservabilityExtensions
{
    public const string MetricsPath = "/metrics";

    public static void AddWorkbenchObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.Section);
        builder.Services.AddSingleton<DatabaseGauges>();
        var otlp = OtlpEndpoint(builder.Configuration);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("gptoss-workbench-web"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(WorkbenchMetrics.MeterName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp is not null) metrics.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        // Without an exporter no tracer provider is built, so no span is even sampled.
        if (otlp is not null)
            telemetry.WithTracing(tracing => tracing.AddSource(WorkbenchTracing.SourceName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation()
                .AddOtlpExporter(o => o.Endpoint = otlp));
    }

    /// <summary>/metrics for the scrape token and admins' API keys (see <see cref="MetricsAccess"/>).</summary>
    public static void MapWorkbenchMetrics(this WebApplication app)
    {
        // The gauges' instruments exist once something resolved them: create them before the first scrape.
        app.Services.GetRequiredService<DatabaseGauges>();
        app.Services.GetRequiredService<WorkbenchMetrics>();
        // AllowAnonymous: the fallback policy would send a cookie challenge; MetricsAccess decides instead.
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: pipeline => pipeline.Use(MetricsAccess.InvokeAsync), optionsName: null)
            .AllowAnonymous();
    }

    /// <summary>Observability:OtlpEndpoint, else the standard OTEL_EXPORTER_OTLP_ENDPOINT (environment or configuration), else none.</summary>
    internal static Uri? OtlpEndpoint(IConfiguration configuration)
    {
        var value = configuration[$"{ObservabilityOptions.Section}:{nameof(ObservabilityOptions.OtlpEndpoint)}"];
        if (string.IsNullOrWhiteSpace(value)) value = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(value)) return null;
        return Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"Observability:OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) '{value}' is not an absolute URL.");
    }
}
