namespace GptOssWorkbench.Web.Tests.Health;

using System.Net;
using System.Text.Json;
using GptOssWorkbench.Web.Tests.Hosting;

[Collection(WorkbenchCollection.Name)]
public sealed class HealthEndpointTests(WorkbenchHostFixture fixture)
{
    [Fact]
    public async Task Fresh_start_creates_the_sqlite_file_and_reports_healthy()
    {
        var host = fixture.Host;
        using var client = host.CreateClient();

        var (status, health) = await WaitForHealthAsync(client, until: h => h.GetProperty("status").GetString() == "Healthy");

        Assert.True(status == HttpStatusCode.OK, $"/healthz answered {(int)status}: {health}");
        Assert.True(File.Exists(Path.Combine(host.DataDirectory, "workbench.db")), $"no SQLite file in {host.DataDirectory}");
        var database = health.GetProperty("checks").GetProperty("database");
        Assert.Equal("Healthy", database.GetProperty("status").GetString());
        Assert.Equal(Path.Combine(host.DataDirectory, "workbench.db"), database.GetProperty("data").GetProperty("location").GetString());
        Assert.Equal(0, database.GetProperty("data").GetProperty("pendingMigrations").GetInt32());
        var hangfire = health.GetProperty("checks").GetProperty("hangfire");
        Assert.Equal("Healthy", hangfire.GetProperty("status").GetString());
        Assert.Equal("in-memory", hangfire.GetProperty("data").GetProperty("storage").GetString());
        Assert.True(hangfire.GetProperty("data").GetProperty("servers").GetInt32() >= 1);
    }

    [Fact]
    public async Task Two_hosts_in_one_process_each_see_only_their_own_job_server()
    {
        // Hangfire keeps a process-global storage; a host must not report (or enqueue into) another's.
        await using var second = WorkbenchHost.Start();
        using var firstClient = fixture.Host.CreateClient();
        using var secondClient = second.CreateClient();

        foreach (var client in new[] { firstClient, secondClient })
        {
            var (_, health) = await WaitForHealthAsync(client, until: h => h.GetProperty("status").GetString() == "Healthy");
            Assert.Equal(1, health.GetProperty("checks").GetProperty("hangfire").GetProperty("data").GetProperty("servers").GetInt32());
        }
    }

    /// <summary>Polls /healthz: the in-process Hangfire server announces itself a moment after start (seconds on a
    /// loaded 2-core runner, hence the generous deadline).</summary>
    internal static async Task<(HttpStatusCode Status, JsonElement Health)> WaitForHealthAsync(HttpClient client, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync("/healthz");
            var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (until(health) || DateTime.UtcNow > deadline)
            {
                return (response.StatusCode, health);
            }
            await Task.Delay(100);
        }
    }
}
