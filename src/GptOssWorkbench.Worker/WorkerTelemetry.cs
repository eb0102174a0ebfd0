namespace GptOssWorkbench.Worker;

using GptOssWorkbench.Pipeline.Observability;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

/// <summary>
/// A worker's metrics (its engines and the runs it ran) and its part of each run's trace (the job's spans, continued
/// from the web request by <see cref="TraceContextJobFilter"/>), sent by OTLP to Observability:OtlpEndpoint or the
/// standard OTEL_EXPORTER_OTLP_ENDPOINT. A worker serves no HTTP, so it is not scraped: with neither setting it
/// exports nothing (the web app's /metrics still shows every worker's heartbeat, load and speed from the database).
/// </summary>
public static class WorkerTelemetry
{
    public static void AddWorkerTelemetry(this HostApplicationBuilder builder)
    {
        var value = builder.Configuration["Observability:OtlpEndpoint"];
        if (string.IsNullOrWhiteSpace(value)) value = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var endpoint))
            throw new InvalidOperationException($"Observability:OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) '{value}' is not an absolute URL.");
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("gptoss-workbench-worker"))
            .WithMetrics(metrics => metrics.AddMeter(WorkbenchMetrics.MeterName).AddHttpClientInstrumentation().AddRuntimeInstrumentation()
                .AddOtlpExporter(o => o.Endpoint = endpoint))
            .WithTracing(tracing => tracing.AddSource(WorkbenchTracing.SourceName).AddHttpClientInstrumentation()
                .AddOtlpExporter(o => o.Endpoint = endpoint));
    }
}
