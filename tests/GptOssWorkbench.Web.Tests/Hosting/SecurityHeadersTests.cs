namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Web.Tests.Api;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

[Collection(WorkbenchCollection.Name)]
public sealed class SecurityHeadersTests(WorkbenchHostFixture fixture)
{
    [Theory]
    [InlineData("/account/signin")] // a page
    [InlineData("/")] // the redirect to sign in
    [InlineData("/css/app.css")] // our static files
    [InlineData("/_content/MudBlazor/MudBlazor.min.js")] // framework files from the manifest
    [InlineData("/v1/models")] // the API (401 without a key)
    [InlineData("/v1/no-such-thing")]
    [InlineData("/healthz")]
    [InlineData("/hangfire")]
    [InlineData("/no-such-page")]
    public async Task Every_response_carries_the_content_security_policy_nosniff_and_a_referrer_policy(string path)
    {
        using var client = fixture.Host.CreateCookieClient();

        using var response = await client.GetAsync(path);

        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d.Split(' ').Skip(1).ToArray());
        Assert.Equal(["'self'"], directives["default-src"]);
        Assert.Equal(["'self'"], directives["script-src"]); // no 'unsafe-inline', no 'unsafe-eval'
        Assert.Equal(["'self'"], directives["connect-src"]);
        Assert.Equal(["'self'"], directives["frame-ancestors"]);
        Assert.Equal(["'none'"], directives["object-src"]);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        // Development (the test hosts' environment) never pins a browser to https.
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }
}

/// <summary>A host in the Production environment, as the README command starts it.</summary>
[Collection(Jobs.IsolatedHostsCollection.Name)]
public sealed class ProductionHostTests
{
    private static Dictionary<string, string?> Production() => new() { ["environment"] = "Production" };

    [Fact]
    public async Task Behind_a_tls_proxy_on_this_machine_responses_ask_for_https_from_then_on()
    {
        await using var host = WorkbenchHost.Start(_ => Production());
        using var client = host.CreateClient();

        using var overTls = await client.SendAsync(Request("/account/signin", forwardedProto: "https"));
        using var plain = await client.SendAsync(Request("/account/signin", forwardedProto: null));

        Assert.Equal("max-age=31536000", Assert.Single(overTls.Headers.GetValues("Strict-Transport-Security")));
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task An_unhandled_api_error_answers_OpenAI_error_json_with_a_correlation_id_that_the_log_has_with_the_exception()
    {
        await using var host = WorkbenchHost.Start(_ => Production());
        var (key, _) = await host.CreateKeyAsync("reviewer");
        await using (var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            db.RegisteredModels.Add(new RegisteredModel { Name = "tiny", FolderPath = host.TempDirectory, Layout = "huggingface", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        // The run cannot be stored: nothing in the API expects that, so it is an unhandled error.
        await ExecuteAsync(host, "CREATE TRIGGER refuse_runs BEFORE INSERT ON Runs BEGIN SELECT RAISE(ABORT, 'runs refused by the test'); END;");
        using var client = ApiClients.Http(host, key);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model": "tiny", "messages": [{"role": "user", "content": "What is 2 + 2?"}]}""", System.Text.Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        var id = Regex.Match(error.GetProperty("message").GetString()!, @"correlation id (\S+)\)").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.DoesNotContain("runs refused", body);
        Assert.DoesNotContain(key, body);
        var logged = Assert.Single(host.Logs.Lines, l => l.Contains($"Unhandled error {id} on POST /v1/chat/completions", StringComparison.Ordinal));
        Assert.Contains("runs refused by the test", logged);
    }

    [Fact]
    public async Task An_unhandled_page_error_shows_a_short_page_with_the_correlation_id_and_no_exception_or_request_details()
    {
        await using var host = WorkbenchHost.Start(_ => Production());
        var user = await host.CreateUserAsync("viewer");
        using var client = host.CreateCookieClient();
        var form = await client.GetStringAsync("/account/signin");
        // Accounts cannot be read any more: signing in fails in a way the page does not expect.
        await ExecuteAsync(host, "PRAGMA foreign_keys = OFF; DROP TABLE Users;");

        using var response = await client.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["Input.Email"] = user.Email,
            ["Input.Password"] = user.Password,
            ["__RequestVerificationToken"] = TestAccounts.AntiforgeryToken(form),
        }));

        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var id = Regex.Match(page, "data-testid=\"correlation-id\">([^<]+)<").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.DoesNotContain("Users", page);
        Assert.DoesNotContain("Exception", page);
        Assert.DoesNotContain(user.Password, page);
        Assert.Contains(host.Logs.Lines, l => l.Contains($"Unhandled error {id} on POST /account/signin", StringComparison.Ordinal) && l.Contains("no such table"));
    }

    private static async Task ExecuteAsync(WorkbenchHost host, string sql)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync(sql);
    }

    private static HttpRequestMessage Request(string path, string? forwardedProto)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        // HSTS is never sent for localhost; a real name as a proxy would pass it.
        request.Headers.Host = "workbench.example";
        if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        return request;
    }
}
