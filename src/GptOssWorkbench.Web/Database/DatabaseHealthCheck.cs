namespace GptOssWorkbench.Web.Database;

using GptOssWorkbench.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>Healthy when the database answers and every migration of this build is applied.</summary>
public sealed class DatabaseHealthCheck(
    IDbContextFactory<WorkbenchDbContext> factory, DatabaseTarget target, DatabaseStartup startup) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["provider"] = target.Provider.ToString(),
            ["location"] = target.DataFile ?? "PostgreSQL",
        };
        if (startup.Error is not null)
        {
            return HealthCheckResult.Unhealthy(startup.Error, data: data);
        }
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            if (!await db.Database.CanConnectAsync(cancellationToken))
            {
                return HealthCheckResult.Unhealthy($"Cannot connect to the database ({target.Description}).", data: data);
            }
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Count();
            data["appliedMigrations"] = applied;
            data["pendingMigrations"] = pending.Count;
            return pending.Count == 0
                ? HealthCheckResult.Healthy($"{target.Description}: connected, {applied} migrations applied.", data)
                : HealthCheckResult.Unhealthy($"{target.Description}: {pending.Count} migrations not applied: {string.Join(", ", pending)}.", data: data);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"Database check failed ({target.Description}): {e.Message}", e, data);
        }
    }
}
