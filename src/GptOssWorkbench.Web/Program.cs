using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Api;
using GptOssWorkbench.Web.Components;
using GptOssWorkbench.Web.Database;
using GptOssWorkbench.Web.Health;
using GptOssWorkbench.Web.Hosting;
using GptOssWorkbench.Web.Jobs;
using GptOssWorkbench.Web.Observability;
using GptOssWorkbench.Web.Status;

var builder = WebApplication.CreateBuilder(WorkbenchPaths.CreateWebApplicationOptions(args));

builder.AddWorkbenchPaths();
builder.AddWorkbenchDatabase();
builder.AddWorkbenchAccounts();
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

app.UseWorkbenchUi();
app.MapWorkbenchHealthChecks();
app.MapWorkbenchMetrics();
app.MapWorkbenchAccounts();
app.MapWorkbenchApi();
app.MapWorkbenchJobsDashboard(WorkbenchPolicies.Admin);

await app.RunAsync();

public partial class Program;
