namespace GptOssWorkbench.Web.Audit;

using GptOssWorkbench.Web.Accounts;
using Microsoft.AspNetCore.Components.Server.Circuits;

public static class AuditExtensions
{
    public static void AddWorkbenchAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddScoped<CurrentAudit>();
        builder.Services.AddScoped<CircuitHandler, AuditCircuitHandler>();
    }

    public static void MapWorkbenchAudit(this WebApplication app)
    {
        // A download, not a page: the browser saves the file. Same filters as the page's address.
        app.MapGet("/admin/audit.csv", async (HttpContext context, AuditLog log, string? action, string? actor, DateOnly? from, DateOnly? to) =>
        {
            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
            await log.WriteCsvAsync(new AuditFilter(action, actor, from, to), context.Response.Body, context.RequestAborted);
        }).RequireAuthorization(WorkbenchPolicies.Admin);
    }
}
