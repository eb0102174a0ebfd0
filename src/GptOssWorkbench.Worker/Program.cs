// Distributed-mode worker: one process per device. A Hangfire server takes InferenceJobs from the PostgreSQL queue and
// runs them on this process's engines; run updates and cancels travel to and from the web app by LISTEN/NOTIFY.
// Configured only by configuration/environment (see WorkerSettings).
using GptOssWorkbench.Data;
using GptOssWorkbench.Pipeline;
using GptOssWorkbench.Pipeline.Hosting;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Worker;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);
var settings = WorkerSettings.Read(builder.Configuration);

builder.Services.AddDbContextFactory<WorkbenchDbContext>(options => WorkbenchDatabase.Configure(options, settings.Database));
builder.Services.AddWorkbenchPipeline(new PipelineRole(Embedded: false, RecoversRuns: false));
builder.Services.AddWorkerHeartbeat();
builder.AddWorkerTelemetry();
builder.Services.PostConfigure<ModelsOptions>(models => models.DemoModelDirectory ??= Path.Combine(settings.DataDirectory, "models"));

var storageOptions = new PostgreSqlStorageOptions
{
    // A killed worker's jobs become visible to the other workers after this long; a live worker keeps extending it.
    InvisibilityTimeout = settings.InvisibilityTimeout,
    UseSlidingInvisibilityTimeout = true,
    // Hangfire.PostgreSql's locks are rows that only their holder deletes; a killed worker's rows stay until this
    // expires (10 minutes by default). A job it was moving to Processing comes back after the invisibility timeout
    // but then waits on that job's state lock, so the lock must not outlive the invisibility timeout.
    DistributedLockTimeout = settings.InvisibilityTimeout,
};
var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(settings.PostgresConnectionString, storageOptions), storageOptions);
builder.Services.AddSingleton<JobStorage>(storage);
builder.Services.AddHangfire(config => config
    .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
    .UseSimpleAssemblyNameTypeSerializer()
    .UseRecommendedSerializerSettings()
    .UseStorage(storage));
builder.Services.AddHangfireServer((sp, options) =>
{
    // Each job waits on the engine while its sequence is batched with others: as many workers as the engine batches.
    options.WorkerCount = settings.WorkerCount;
    options.ServerName = sp.GetRequiredService<IOptions<PipelineOptions>>().Value.EffectiveWorkerName;
});
builder.Services.AddHostedService(sp => new PostgresRunUpdateRelay(settings.PostgresConnectionString,
    sp.GetRequiredService<RunUpdates>(), sp.GetRequiredService<RunCancellations>(), sp.GetRequiredService<ILogger<PostgresRunUpdateRelay>>()));

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
