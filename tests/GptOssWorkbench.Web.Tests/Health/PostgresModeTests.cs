namespace GptOssWorkbench.Web.Tests.Health;

using System.Net;
using GptOssWorkbench.Web.Tests.Hosting;

/// <summary>The distributed configuration of the web process against a real PostgreSQL.</summary>
public sealed class PostgresModeTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task Web_process_on_postgres_migrates_uses_postgres_for_jobs_and_waits_for_workers()
    {
        await using var host = WorkbenchHost.Start(_ => new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSQL",
            ["Database:ConnectionString"] = postgres.ConnectionString,
        });
        using var client = host.CreateClient();

        var (status, health) = await HealthEndpointTests.WaitForHealthAsync(client, until: _ => true);

        // No worker process runs here and the web process runs no job server of its own in this mode:
        // degraded (jobs would wait), but still serving, so 200.
        Assert.True(status == HttpStatusCode.OK, $"/healthz answered {(int)status}: {health}");
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        var database = health.GetProperty("checks").GetProperty("database");
        Assert.Equal("Healthy", database.GetProperty("status").GetString());
        Assert.Equal("PostgreSQL", database.GetProperty("data").GetProperty("provider").GetString());
        var hangfire = health.GetProperty("checks").GetProperty("hangfire");
        Assert.Equal("Degraded", hangfire.GetProperty("status").GetString());
        Assert.Equal("PostgreSQL", hangfire.GetProperty("data").GetProperty("storage").GetString());
        Assert.Equal(0, hangfire.GetProperty("data").GetProperty("servers").GetInt32());
    }
}
