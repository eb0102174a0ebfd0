namespace GptOssWorkbench.Pipeline.Observability;

using System.Diagnostics;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;

/// <summary>
/// Carries the trace of whoever enqueued a job (the web request that created the run) into the job: the enqueuer's
/// W3C traceparent is stored as a job parameter, so it travels with the job through any storage to any worker, and
/// the worker opens the job's span as its child. A job enqueued outside any trace (the queue sweep, recovery) starts
/// a trace of its own.
/// </summary>
public sealed class TraceContextJobFilter : JobFilterAttribute, IClientFilter, IServerFilter
{
    public const string TraceParentParameter = "traceparent";
    private const string ActivityItem = "workbench.activity";
    private static int registered;

    /// <summary>Adds the filter to Hangfire's process-wide filters once (several hosts in one process share them).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0) Hangfire.GlobalJobFilters.Filters.Add(new TraceContextJobFilter());
    }

    public void OnCreating(CreatingContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id }) context.SetJobParameter(TraceParentParameter, id);
    }

    public void OnCreated(CreatedContext context)
    {
    }

    public void OnPerforming(PerformingContext context)
    {
        var traceParent = context.GetJobParameter<string>(TraceParentParameter);
        ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var parent);
        var activity = WorkbenchTracing.Source.StartActivity($"job {context.BackgroundJob.Job.Type.Name}", ActivityKind.Consumer, parent);
        if (activity is null) return;
        activity.SetTag("messaging.system", "hangfire");
        activity.SetTag("messaging.message.id", context.BackgroundJob.Id);
        context.Items[ActivityItem] = activity;
    }

    public void OnPerformed(PerformedContext context)
    {
        if (!context.Items.TryGetValue(ActivityItem, out var item) || item is not Activity activity) return;
        if (context.Exception is { } error) activity.SetStatus(ActivityStatusCode.Error, error.Message);
        activity.Stop();
    }
}
