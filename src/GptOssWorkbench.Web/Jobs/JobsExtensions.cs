namespace GptOssWorkbench.Web.Jobs;

using GptOssWorkbench.Web.Database;
using Hangfire;
using Hangfire.PostgreSql;

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

        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section);
        builder.Services.AddSingleton(new JobStorageMode(usePostgres ? "PostgreSQL" : "in-memory", runServer, jobs.WorkerCount));
        builder.Services.AddHangfire((sp, config) =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (usePostgres)
            {
                var target = sp.GetRequiredService<DatabaseTarget>();
                config.UsePostgreSqlStorage(options => options.UseNpgsqlConnection(target.ConnectionString));
            }
            else
            {
                config.UseInMemoryStorage();
            }
        });
        if (runServer)
        {
            builder.Services.AddHangfireServer(options => options.WorkerCount = jobs.WorkerCount);
        }
    }
}
