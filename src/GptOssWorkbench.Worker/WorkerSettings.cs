namespace GptOssWorkbench.Worker;

using GptOssWorkbench.Data;
using GptOssWorkbench.Pipeline.Hosting;

/// <summary>
/// The worker's configuration, from environment variables (or appsettings/command line), using the web app's keys so
/// one set of variables (docker-compose's x-database-env) configures both:
/// Database__Provider=PostgreSQL, Database__ConnectionString=..., Engine__MaxRunning (also the number of jobs taken at once; Jobs__WorkerCount overrides), Jobs__InvisibilityTimeout,
/// Models__Folders__N__Name/Path, Engine__Device/Dtype/Threads, Pipeline__WorkerName, Workbench__DataDirectory.
/// </summary>
public sealed record WorkerSettings(DatabaseTarget Database, int WorkerCount, TimeSpan InvisibilityTimeout, string DataDirectory)
{
    public static WorkerSettings Read(IConfiguration configuration)
    {
        var provider = configuration["Database:Provider"] ?? "";
        if (!provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase) && !provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"The worker needs the distributed mode: set Database__Provider=PostgreSQL (got '{provider}'). Embedded mode runs jobs inside the web app.");
        var connectionString = configuration["Database:ConnectionString"] ?? configuration["Database:PostgresConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("Set Database__ConnectionString to the PostgreSQL connection string shared with the web app.");
        var workers = JobWorkerCount.For(configuration);
        return new WorkerSettings(
            DatabaseTarget.PostgreSql(connectionString),
            workers,
            configuration.GetValue("Jobs:InvisibilityTimeout", TimeSpan.FromMinutes(5)),
            Path.GetFullPath(configuration["Workbench:DataDirectory"] is { Length: > 0 } data ? data : "data"));
    }
}
