namespace GptOssWorkbench.Web.Jobs;

using GptOssWorkbench.Pipeline.Hosting;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Hosting;
using Hangfire;

public static class JobsExtensions
{
    public static void AddWorkbenchJobs(this WebApplicationBuilder builder)
    {
        // The storage choice follows the database: in-memory next to SQLite (one process, nothing to share),
        // PostgreSQL when the web app and the GPU workers are separate processes.
        var database = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var jobs = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var usePostgres = database.Provider == DatabaseProvider.PostgreSQL;
        var runServer = jobs.RunServerInProcess ?? !usePostgres;
        var workerCount = JobWorkerCount.For(builder.Configuration);

        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section);
        var queue = new JobQueue(usePostgres, jobs.InvisibilityTimeout);
        builder.Services.AddSingleton(new JobStorageMode(queue.StorageName, runServer, workerCount));
        builder.Services.AddWorkbenchJobQueue(queue);
        // Runs, batches, models and engines (the same services the worker process uses). The web app recovers
        // interrupted runs on start; in embedded mode it also owns the only queue, so running ones are redone.
        builder.Services.AddWorkbenchPipeline(new PipelineRole(Embedded: !usePostgres, RecoversRuns: true));
        builder.Services.PostConfigure<ModelsOptions>(models => models.DemoModelDirectory ??= DemoModelDirectory(builder));
        if (runServer) builder.Services.AddWorkbenchJobServer(workerCount);
    }

    /// <summary>
    /// Applies this host's Hangfire configuration and opens its job storage (PostgreSQL: installs the Hangfire
    /// schema) at start. Hangfire applies its configuration (log provider included) to process-global state only
    /// when something first asks for it; a web process without an in-process server never did, so Hangfire kept
    /// using whatever an earlier host had set. In tests that was a disposed host, and every PostgreSQL storage
    /// call then stalled ~30 s.
    /// </summary>
    public static void PrepareWorkbenchJobs(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<JobStorageMode>();
        try
        {
            _ = app.Services.GetRequiredService<IGlobalConfiguration>();
            _ = app.Services.GetRequiredService<JobStorage>();
        }
        catch (Exception e)
        {
            // Like the database: keep serving so /healthz can tell (the health check retries opening it).
            app.Logger.LogCritical(e, "Could not open the Hangfire job storage ({Storage}): {Error}", mode.Storage, e.Message);
        }
    }

    /// <summary>
    /// The Hangfire dashboard at /hangfire, for admins only. Hangfire's own filter (local requests only) is
    /// replaced by the endpoint's authorization policy, which works behind a proxy too.
    /// </summary>
    public static void MapWorkbenchJobsDashboard(this WebApplication app, string adminPolicy)
    {
        // Resolving Hangfire's configuration first points its process-global log provider at this host's logger
        // factory; creating the storage before that would log through a previous (possibly disposed) host's.
        app.Services.GetRequiredService<IGlobalConfiguration>();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], AppPath = "/" },
                app.Services.GetRequiredService<JobStorage>())
            .RequireAuthorization(adminPolicy);
    }

    private static string DemoModelDirectory(WebApplicationBuilder builder)
    {
        var workbench = builder.Configuration.GetSection(WorkbenchOptions.Section).Get<WorkbenchOptions>() ?? new WorkbenchOptions();
        var paths = WorkbenchPaths.From(workbench, builder.Environment);
        return Path.Combine(paths.DataDirectory, "models");
    }
}
