// Distributed-mode worker: one process per device. A Hangfire server takes InferenceJobs from the PostgreSQL queue and
// runs them on this process's engines; run updates and cancels travel to and from the web app by LISTEN/NOTIFY.
// Configured only by configuration/environment (see WorkerSettings).
using GptOssWorkbench.Data;
using GptOssWorkbench.Pipeline;
using GptOssWorkbench.Pipeline.Hosting;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Worker;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);
var settings = WorkerSettings.Read(builder.Configuration);

builder.Services.AddSingleton(settings.Database);
builder.Services.AddDbContextFactory<WorkbenchDbContext>(options => WorkbenchDatabase.Configure(options, settings.Database));
builder.Services.AddWorkbenchPipeline(new PipelineRole(Embedded: false, RecoversRuns: false));
builder.AddWorkerTelemetry();
builder.Services.PostConfigure<ModelsOptions>(models => models.DemoModelDirectory ??= Path.Combine(settings.DataDirectory, "models"));

// The same queue wiring as the web app (JobQueueHosting): PostgreSQL storage, the LISTEN/NOTIFY relay, and a server
// taking as many jobs at once as this process's engines batch (JobWorkerCount), named after this worker.
builder.Services.AddWorkbenchJobQueue(new JobQueue(UsesPostgres: true, settings.InvisibilityTimeout));
builder.Services.AddWorkbenchJobServer(settings.WorkerCount, sp => sp.GetRequiredService<IOptions<PipelineOptions>>().Value.EffectiveWorkerName);

var host = builder.Build();
await using (var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
{
    // The web app migrates too; EF serializes concurrent migrators, so whichever starts first does the work.
    await WorkbenchDatabase.MigrateAsync(db);
}
host.Services.GetRequiredService<ILogger<Program>>().LogInformation(
    "GptOssWorkbench worker {Name}: {Workers} Hangfire workers on PostgreSQL", host.Services.GetRequiredService<IOptions<PipelineOptions>>().Value.EffectiveWorkerName,
    settings.WorkerCount);
await host.RunAsync();
