namespace GptOssWorkbench.Web.Tests.Health;

using GptOssWorkbench.Web.Tests.Hosting;

public sealed class StartupConfigurationTests
{
    [Fact]
    public async Task PostgreSQL_without_a_connection_string_refuses_to_start_and_says_which_setting_is_missing()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Database:Provider"] = "PostgreSQL" });
        });

        Assert.Contains("Database:ConnectionString", error.ToString());
    }
}
