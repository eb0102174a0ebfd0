namespace GptOssWorkbench.Web.Health;

using System.Text.Json;
using GptOssWorkbench.Web.Database;
using GptOssWorkbench.Web.Jobs;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

public static class HealthExtensions
{
    public static void AddWorkbenchHealthChecks(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<HangfireHealthCheck>("hangfire");
    }

    /// <summary>/healthz: overall and per-check status as JSON; 503 when any check is unhealthy.</summary>
    public static void MapWorkbenchHealthChecks(this WebApplication app)
    {
        // Anonymous on purpose: load balancers and container probes have no account.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteJsonAsync }).AllowAnonymous();
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new
                {
                    status = entry.Value.Status.ToString(),
                    description = entry.Value.Description,
                    data = entry.Value.Data,
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
