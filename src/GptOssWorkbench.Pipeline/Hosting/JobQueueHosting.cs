namespace GptOssWorkbench.Pipeline.Hosting;

using GptOssWorkbench.Data;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// Where run jobs wait: in memory next to SQLite (one process, nothing to share), or in PostgreSQL when the web app and
/// the GPU workers are separate processes. <see cref="InvisibilityTimeout"/>: how soon a killed process's jobs are
/// handed to another one (live processes keep renewing it). The PostgreSQL queue lives in the workbench's own database
/// (the host's <see cref="DatabaseTarget"/>).
/// </summary>
public sealed record JobQueue(bool UsesPostgres, TimeSpan InvisibilityTimeout)
{
    public string StorageName => UsesPostgres ? "PostgreSQL" : "in-memory";
}

/// <summary>The Hangfire and live-update wiring the web app and the worker share, written once.</summary>
public static class JobQueueHosting
{
    /// <summary>Hangfire's client and this host's own job storage (created when first asked for).</summary>
    public static IServiceCollection AddWorkbenchJobQueue(this IServiceCollection services, JobQueue queue)
    {
        services.AddSingleton(queue);
        services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostHangfireLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .UseStorage(sp.GetRequiredService<JobStorage>()));
        // Hangfire's own registration hands out the process-global JobStorage.Current, which belongs to whichever
        // host configured it last (tests run several hosts in one process). Each host owns its storage instead.
        services.AddSingleton<JobStorage>(sp =>
        {
            if (!queue.UsesPostgres) return new InMemoryStorage();
            var options = new PostgreSqlStorageOptions
            {
                InvisibilityTimeout = queue.InvisibilityTimeout,
                UseSlidingInvisibilityTimeout = true,
                // Hangfire.PostgreSql's locks are rows that only their holder deletes; a killed process's rows stay until
                // this expires (10 minutes by default). A job it was moving to Processing comes back after the
                // invisibility timeout but then waits on that job's state lock, so the lock must not outlive it.
                DistributedLockTimeout = queue.InvisibilityTimeout,
            };
            var connectionString = sp.GetRequiredService<DatabaseTarget>().ConnectionString;
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        });
        if (queue.UsesPostgres)
        {
            // Live tokens and cancels cross between the web app and the worker processes by PostgreSQL LISTEN/NOTIFY.
            services.AddHostedService(sp => new PostgresRunUpdateRelay(sp.GetRequiredService<DatabaseTarget>().ConnectionString,
                sp.GetRequiredService<RunUpdates>(), sp.GetRequiredService<RunCancellations>(), sp.GetRequiredService<ILogger<PostgresRunUpdateRelay>>()));
        }
        return services;
    }

    /// <summary>
    /// A Hangfire server that runs jobs in this process: <paramref name="workerCount"/> at once (see
    /// <see cref="JobWorkerCount"/>), named <paramref name="serverName"/> when given (Hangfire's default otherwise).
    /// </summary>
    public static IServiceCollection AddWorkbenchJobServer(this IServiceCollection services, int workerCount, Func<IServiceProvider, string>? serverName = null)
    {
        services.AddHangfireServer((sp, options) =>
        {
            options.WorkerCount = workerCount;
            if (serverName is not null) options.ServerName = serverName(sp);
            // Without an activator of its own the server creates jobs with the process-global JobActivator.Current,
            // which is the container of whichever host configured Hangfire last: with two hosts in one process
            // (tests) one host's InferenceJobs ran against the other host's database, leaving its runs queued.
            options.Activator = new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>());
        });
        // This process runs jobs on its own engines: it is a worker the Dashboard should list.
        services.AddWorkerHeartbeat();
        return services;
    }
}
