namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Net;
using System.Text.RegularExpressions;

/// <summary>The workbench started as a person starts it: the README command, or the built dll with a bad setting.</summary>
public sealed partial class ProductionProcessTests
{
    [Fact]
    public async Task Readme_command_starts_in_Production_and_serves_the_framework_MudBlazor_and_our_own_files()
    {
        await using var app = WebProcess.StartReadmeCommand();
        var address = await app.WaitUntilListeningAsync();
        using var client = new HttpClient { BaseAddress = address };

        await app.WaitForLineAsync("Hosting environment: Production", TimeSpan.FromSeconds(10));
        var page = await client.GetStringAsync("/account/signin");
        // Every script and stylesheet the page loads, with the fingerprinted names App.razor asks the manifest for.
        var assets = AssetReference().Matches(page).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(assets, a => a.StartsWith("_content/MudBlazor/", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.StartsWith("_framework/blazor.web", StringComparison.Ordinal));
        Assert.Contains("css/app.css", assets);
        Assert.Contains("js/workbench.js", assets);
        foreach (var asset in assets.Concat(["_content/MudBlazor/MudBlazor.min.css", "_content/MudBlazor/MudBlazor.min.js"]))
        {
            using var response = await client.GetAsync("/" + asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{asset} answered {(int)response.StatusCode}");
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100, $"/{asset} is empty");
        }
        Assert.DoesNotContain("Development", app.Output);
    }

    [Theory]
    [InlineData("Auth__BootstrapApiKey", "too-short", "Auth:BootstrapApiKey")]
    [InlineData("Database__Provider", "Oracle", "Database:Provider")]
    [InlineData("Database__Provider", "PostgreSQL", "Database:ConnectionString")]
    [InlineData("Database__ConnectionString", "Data Source=x.db;Colour=blue", "Database:ConnectionString")]
    public async Task A_bad_setting_stops_the_start_with_one_line_naming_it_and_a_non_zero_exit_code(string variable, string value, string setting)
    {
        await using var app = WebProcess.StartDll(new Dictionary<string, string> { [variable] = value });

        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var lines = app.Output.Split('\n');
        var reported = Assert.Single(lines, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains(setting, reported);
        Assert.DoesNotContain(lines, l => StackFrame().IsMatch(l));
        Assert.DoesNotContain("Unhandled exception", app.Output);
    }

    [Fact]
    public async Task A_port_in_use_stops_the_start_with_one_line_and_no_stack_trace()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var app = WebProcess.StartDll(urls: $"http://127.0.0.1:{port}");

        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var lines = app.Output.Split('\n');
        var reported = Assert.Single(lines, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{port}", reported);
        Assert.DoesNotContain(lines, l => StackFrame().IsMatch(l));
        Assert.DoesNotContain("Hosting failed to start", app.Output);
    }

    [GeneratedRegex("""(?:href|src)="([^"]+\.(?:css|js))"[^>]*>""")]
    private static partial Regex AssetReference();

    [GeneratedRegex(@"^\s+at \S+")]
    private static partial Regex StackFrame();
}
