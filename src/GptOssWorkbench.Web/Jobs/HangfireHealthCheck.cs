namespace GptOssWorkbench.Web.Jobs;

using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>Healthy when the job storage answers and at least one Hangfire server is taking jobs.</summary>
public sealed class HangfireHealthCheck(JobStorage storage, JobStorageMode mode) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var monitoring = storage.GetMonitoringApi();
            var servers = monitoring.Servers();
            var statistics = monitoring.GetStatistics();
            var data = new Dictionary<string, object>
            {
                ["storage"] = mode.Storage,
                ["servers"] = servers.Count,
                ["workers"] = servers.Sum(s => s.WorkersCount),
                ["enqueued"] = statistics.Enqueued,
                ["processing"] = statistics.Processing,
                ["failed"] = statistics.Failed,
            };
            return Task.FromResult(servers.Count > 0
                ? HealthCheckResult.Healthy($"{mode.Storage} storage, {servers.Count} server(s) running.", data)
                : HealthCheckResult.Degraded($"{mode.Storage} storage reachable, but no Hangfire server is running: queued jobs will wait.", data: data));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Hangfire storage ({mode.Storage}) is not reachable: {e.Message}", e));
        }
    }
}
