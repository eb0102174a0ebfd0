namespace GptOssWorkbench.Web.Tests.Accounts;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GptOssWorkbench.Web.Tests.Hosting;

public sealed class SecurityTests
{
    [Fact]
    public async Task Passwords_and_api_keys_never_reach_the_log_even_at_trace_level()
    {
        const string password = "configured-admin-password-4f1c";
        const string apiKey = "automation-key-9d2e7c41b5a04f8e8c3d2b1a0f9e8d7c";
        await using var host = WorkbenchHost.Start(_ => new Dictionary<string, string?>
        {
            ["Auth:BootstrapAdmin:Email"] = "boss@example.test",
            ["Auth:BootstrapAdmin:Password"] = password,
            ["Auth:BootstrapApiKey"] = apiKey,
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        });
        using var client = host.CreateCookieClient();
        using var wrongClient = host.CreateCookieClient();

        using var signIn = await TestAccounts.PostSignInFormAsync(client, "boss@example.test", password);
        using var wrong = await TestAccounts.PostSignInFormAsync(wrongClient, "boss@example.test", password + "-typo");
        using var api = host.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var models = await api.GetAsync("/v1/models");
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey + "x");
        using var badKey = await api.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
        var logs = host.Logs.All;
        Assert.Contains("Failed sign-in for boss@example.test", logs); // the capture really saw the traffic
        Assert.Contains("/v1/models", logs);
        Assert.DoesNotContain(password, logs);
        Assert.DoesNotContain(apiKey[..20], logs);
    }

    [Fact]
    public async Task Chat_completions_answer_503_when_no_worker_serves_the_queue()
    {
        const string apiKey = "automation-key-0123456789abcdef0123456789abcdef";
        await using var host = WorkbenchHost.Start(_ => new Dictionary<string, string?>(GptOssWorkbench.Web.Tests.Jobs.TinyModel.Settings())
        {
            ["Jobs:RunServerInProcess"] = "false",
            ["Auth:BootstrapApiKey"] = apiKey,
        });
        using var api = host.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var model = JsonDocument.Parse(await api.GetStringAsync("/v1/models")).RootElement.GetProperty("data")[0].GetProperty("id").GetString();
        var body = JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = "hi" } } });

        using var response = await api.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("no_worker", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_too_short_bootstrap_api_key_stops_the_start_with_the_setting_named()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Auth:BootstrapApiKey"] = "short" });
        });

        Assert.Contains("Auth:BootstrapApiKey", error.ToString());
    }
}
