using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Api;
using GptOssWorkbench.Web.Audit;
using GptOssWorkbench.Web.Components;
using GptOssWorkbench.Web.Database;
using GptOssWorkbench.Web.Health;
using GptOssWorkbench.Web.Hosting;
using GptOssWorkbench.Web.Jobs;
using GptOssWorkbench.Web.Observability;
using GptOssWorkbench.Web.Status;

try
{
    var builder = WebApplication.CreateBuilder(WorkbenchPaths.CreateWebApplicationOptions(args));

    builder.AddWorkbenchStartupFailureReport();
    builder.AddWorkbenchPaths();
    builder.AddWorkbenchSecurityHeaders();
    builder.AddWorkbenchDatabase();
    builder.AddWorkbenchAccounts();
    builder.AddWorkbenchAudit();
    builder.AddWorkbenchApi();
    builder.AddWorkbenchJobs();
    builder.AddWorkbenchEngineStatus();
    builder.AddWorkbenchHealthChecks();
    builder.AddWorkbenchObservability();
    builder.AddWorkbenchUi();

    var app = builder.Build();

    app.LogWorkbenchPaths();
    await app.MigrateWorkbenchDatabaseAsync();
    app.PrepareWorkbenchJobs();
    await app.BootstrapWorkbenchAccountsAsync();

    app.UseWorkbenchErrorHandling();
    app.UseWorkbenchSecurityHeaders();
    app.UseWorkbenchBadRequestErrors();
    app.UseWorkbenchUi();
    app.MapWorkbenchHealthChecks();
    app.MapWorkbenchMetrics();
    app.MapWorkbenchAccounts();
    app.MapWorkbenchAudit();
    app.MapWorkbenchApi();
    app.MapWorkbenchJobsDashboard(WorkbenchPolicies.Admin);

    await app.RunAsync();
    return 0;
}
catch (Exception error) when (StartupFailure.ShouldReport(error))
{
    return StartupFailure.Report(error);
}

public partial class Program;
