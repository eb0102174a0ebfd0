namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Web.Tests.Hosting;

/// <summary>
/// Distributed mode's storage: Hangfire on PostgreSQL (its retries, job parameters and Failed state) with the
/// workbench database on PostgreSQL. The web host runs the job server itself so no worker process is needed.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class JobGiveUpPostgresTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    [Fact]
    public Task A_job_that_throws_on_every_attempt_ends_its_run_failed_after_the_last_retry_on_postgres()
    {
        var settings = JobGiveUpTests.Settings();
        postgres.Configure(settings);
        settings["Jobs:RunServerInProcess"] = "true";
        return JobGiveUpTests.RunFailsAfterTheLastRetryAsync(settings);
    }
}
