namespace GptOssWorkbench.Pipeline.Observability;

using System.Diagnostics;
using GptOssWorkbench.Engine.Serving;

/// <summary>
/// Spans of one run: the web request that queued it (ASP.NET Core's own span), the Hangfire job that ran it
/// (<see cref="TraceContextJobFilter"/> continues the request's trace there) and, inside the job, the time the run
/// waited in the queue, the engine's prefill (prompt to first token) and its decode. Nothing is recorded unless an
/// exporter listens to <see cref="SourceName"/>.
/// </summary>
public static class WorkbenchTracing
{
    public const string SourceName = "GptOssWorkbench";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Spans that ended already (the engine reports its timings once the sequence is done), written after the fact
    /// as children of the job's span with the engine's own timings.
    /// </summary>
    public static void RecordRunPhases(long runId, string model, DateTime queuedAtUtc, DateTime claimedAtUtc, DateTime submittedAtUtc, GenerationResult result)
    {
        if (!Source.HasListeners()) return;
        Span("run.queue_wait", queuedAtUtc, claimedAtUtc, runId, model);
        var firstToken = submittedAtUtc + (result.TimeToFirstToken ?? result.Total);
        Span("engine.prefill", submittedAtUtc, firstToken, runId, model, ("gen_ai.usage.input_tokens", result.PromptTokens),
            ("workbench.engine.queue_ms", result.QueueTime.TotalMilliseconds));
        if (result.TimeToFirstToken is not null)
            Span("engine.decode", firstToken, submittedAtUtc + result.Total, runId, model, ("gen_ai.usage.output_tokens", result.Tokens.Count),
                ("workbench.finish", result.Finish.ToString()));
    }

    private static void Span(string name, DateTime startUtc, DateTime endUtc, long runId, string model, params (string Key, object? Value)[] tags)
    {
        using var span = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, startTime: new DateTimeOffset(startUtc, TimeSpan.Zero));
        if (span is null) return;
        span.SetTag("workbench.run_id", runId);
        span.SetTag("gen_ai.request.model", model);
        foreach (var (key, value) in tags) span.SetTag(key, value);
        span.SetEndTime(endUtc < startUtc ? startUtc : endUtc);
    }
}
