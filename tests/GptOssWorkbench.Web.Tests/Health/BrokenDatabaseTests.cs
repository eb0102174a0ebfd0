namespace GptOssWorkbench.Web.Tests.Health;

using System.Net;
using GptOssWorkbench.Web.Tests.Hosting;

/// <summary>A workbench whose database cannot be used still starts, and says clearly what is wrong.</summary>
public sealed class BrokenDatabaseTests
{
    [Fact]
    public async Task Garbage_database_file_is_reported_unhealthy_and_left_untouched()
    {
        var garbage = new byte[8192];
        new Random(42).NextBytes(garbage);
        string? file = null;
        await using var host = WorkbenchHost.Start(temp =>
        {
            var data = Path.Combine(temp, "data");
            Directory.CreateDirectory(data);
            file = Path.Combine(data, "workbench.db");
            File.WriteAllBytes(file, garbage);
            return new Dictionary<string, string?>();
        });
        using var client = host.CreateClient();

        var (status, health) = await HealthEndpointTests.WaitForHealthAsync(client, until: _ => true);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", health.GetProperty("status").GetString());
        var database = health.GetProperty("checks").GetProperty("database");
        Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
        var description = database.GetProperty("description").GetString()!;
        Assert.Contains(file!, description);
        Assert.Contains("not a database", description);
        Assert.Equal(garbage, File.ReadAllBytes(file!));
    }

    [Fact]
    public async Task Data_folder_that_is_a_file_is_reported_unhealthy_naming_the_path()
    {
        string? blocker = null;
        await using var host = WorkbenchHost.Start(temp =>
        {
            blocker = Path.Combine(temp, "not-a-folder");
            File.WriteAllText(blocker, "a file where the data folder should be");
            return new Dictionary<string, string?> { ["Workbench:DataDirectory"] = blocker };
        });
        using var client = host.CreateClient();

        var (status, health) = await HealthEndpointTests.WaitForHealthAsync(client, until: _ => true);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var database = health.GetProperty("checks").GetProperty("database");
        Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
        Assert.Contains(blocker!, database.GetProperty("description").GetString());
        Assert.Equal("a file where the data folder should be", File.ReadAllText(blocker!));
    }
}
