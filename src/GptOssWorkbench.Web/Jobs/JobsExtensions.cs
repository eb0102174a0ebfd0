namespace GptOssWorkbench.Web.Jobs;

using GptOssWorkbench.Pipeline.Hosting;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Hosting;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

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
        builder.Services.AddSingleton(new JobStorageMode(usePostgres ? "PostgreSQL" : "in-memory", runServer, workerCount));
        builder.Services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostHangfireLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .UseStorage(sp.GetRequiredService<JobStorage>()));
        // Hangfire's own registration hands out the process-global JobStorage.Current, which belongs to whichever
        // host configured it last (tests run several hosts in one process). Each host owns its storage instead.
        builder.Services.AddSingleton<JobStorage>(sp =>
        {
            if (!usePostgres)
            {
                return new InMemoryStorage();
            }
            // Same lock expiry as the workers (see GptOssWorkbench.Worker's Program): a dead process's lock rows must
            // not outlive the invisibility timeout that hands its jobs to someone else.
            var options = new PostgreSqlStorageOptions
            {
                InvisibilityTimeout = jobs.InvisibilityTimeout, UseSlidingInvisibilityTimeout = true, DistributedLockTimeout = jobs.InvisibilityTimeout,
            };
            var target = sp.GetRequiredService<DatabaseTarget>();
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(target.ConnectionString, options), options);
        });
        // Runs, batches, models and engines (the same services the worker process uses). The web app recovers
        // interrupted runs on start; in embedded mode it also owns the only queue, so running ones are redone.
        builder.Services.AddWorkbenchPipeline(new PipelineRole(Embedded: !usePostgres, RecoversRuns: true));
        builder.Services.PostConfigure<ModelsOptions>(models => models.DemoModelDirectory ??= DemoModelDirectory(builder));
        if (usePostgres)
        {
            // Live tokens and cancels cross to and from the worker processes by PostgreSQL LISTEN/NOTIFY.
            builder.Services.AddHostedService(sp => new PostgresRunUpdateRelay(sp.GetRequiredService<DatabaseTarget>().ConnectionString,
                sp.GetRequiredService<RunUpdates>(), sp.GetRequiredService<RunCancellations>(), sp.GetRequiredService<ILogger<PostgresRunUpdateRelay>>()));
        }
        if (runServer)
        {
            builder.Services.AddHangfireServer((sp, options) =>
            {
                options.WorkerCount = workerCount;
                // Without an activator of its own the server creates jobs with the process-global JobActivator.Current,
                // which is the container of whichever host configured Hangfire last: with two hosts in one process
                // (tests) one host's InferenceJobs ran against the other host's database, leaving its runs queued.
                options.Activator = new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>());
            });
            // This process runs jobs on its own engines: it is a worker the Dashboard should list.
            builder.Services.AddWorkerHeartbeat();
        }
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
