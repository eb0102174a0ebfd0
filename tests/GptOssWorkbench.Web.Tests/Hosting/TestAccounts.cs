namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Net;
using System.Text.RegularExpressions;
using GptOssWorkbench.Data.Workspaces;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

/// <summary>Test users on a real host, signed in through the real sign-in form.</summary>
public static partial class TestAccounts
{
    public sealed record TestUser(string Id, string Email, string Password, string Role);

    /// <summary>Creates a user with a fresh email (tests share one host) through Identity's UserManager.</summary>
    public static async Task<TestUser> CreateUserAsync(this WorkbenchHost host, string role)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.test";
        var password = $"test-password-{Guid.NewGuid():N}";
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = new User { UserName = email, Email = email, Name = role + " tester", Role = role, CreatedAt = DateTime.UtcNow };
        var result = await users.CreateAsync(user, password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        return new TestUser(user.Id, email, password, role);
    }

    /// <summary>An HttpClient with its own cookies, not following redirects, so tests can see them.</summary>
    public static HttpClient CreateCookieClient(this WorkbenchHost host) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

    /// <summary>Posts the sign-in form as a browser would (antiforgery token from the rendered form).</summary>
    public static async Task<HttpResponseMessage> PostSignInFormAsync(HttpClient client, string email, string password, bool withAntiforgery = true)
    {
        var html = await client.GetStringAsync("/account/signin");
        var fields = new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        };
        if (withAntiforgery)
        {
            fields["__RequestVerificationToken"] = AntiforgeryToken(html);
        }
        return await client.PostAsync("/account/signin", new FormUrlEncodedContent(fields));
    }

    public static string AntiforgeryToken(string html)
    {
        var match = AntiforgeryField().Match(html);
        Assert.True(match.Success, "no antiforgery token in the form");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>A cookie client signed in as a new user with <paramref name="role"/>.</summary>
    public static async Task<(HttpClient Client, TestUser User)> SignedInClientAsync(this WorkbenchHost host, string role)
    {
        var user = await host.CreateUserAsync(role);
        var client = host.CreateCookieClient();
        using var response = await PostSignInFormAsync(client, user.Email, user.Password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)response.StatusCode}");
        return (client, user);
    }

    /// <summary>Signs a browser page in through the form, as a person would.</summary>
    public static async Task SignInAsync(IPage page, TestUser user)
    {
        await page.GotoAsync("/account/signin");
        await page.FillAsync("#email", user.Email);
        await page.FillAsync("#password", user.Password);
        await page.ClickAsync("#signin-submit");
        // Signed in once the browser holds the sign-in cookie, which the form's redirect sets; every caller opens its own
        // page next. Waiting for the next page's address and load instead timed out twice on a loaded machine
        // (Playwright saw the new address, then never that page's load event).
        const string cookie = "workbench.auth"; // AccountsExtensions names it; AccessTests check its attributes
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await page.Context.CookiesAsync()).Any(c => c.Name.StartsWith(cookie, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No sign-in cookie 30 s after submitting the sign-in form for {user.Email} (page: {page.Url}).");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
