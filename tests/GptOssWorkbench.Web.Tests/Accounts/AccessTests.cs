namespace GptOssWorkbench.Web.Tests.Accounts;

using System.Net;
using System.Security.Claims;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

[Collection(WorkbenchCollection.Name)]
public sealed class AccessTests(WorkbenchHostFixture fixture)
{
    private WorkbenchHost Host => fixture.Host;

    [Theory]
    [InlineData("/")]
    [InlineData("/chat")]
    [InlineData("/admin")]
    [InlineData("/account/users")]
    [InlineData("/hangfire")]
    public async Task Anonymous_visitors_are_sent_to_the_sign_in_page(string path)
    {
        using var client = Host.CreateCookieClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/signin", response.Headers.Location!.AbsolutePath);
        Assert.Contains("ReturnUrl=" + Uri.EscapeDataString(path), response.Headers.Location.Query);
    }

    [Fact]
    public async Task The_sign_in_page_and_the_health_endpoint_are_open_to_anonymous_visitors()
    {
        using var client = Host.CreateCookieClient();

        using var signIn = await client.GetAsync("/account/signin");
        using var health = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("<form", await signIn.Content.ReadAsStringAsync());
        Assert.NotEqual(HttpStatusCode.Redirect, health.StatusCode);
        Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Signing_in_through_the_form_opens_the_workbench_and_the_cookie_is_http_only_and_same_site()
    {
        var user = await Host.CreateUserAsync(UserRoles.Viewer);
        using var client = Host.CreateCookieClient();

        using var response = await TestAccounts.PostSignInFormAsync(client, user.Email, user.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("workbench.auth="));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        using var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Workbench status", await home.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_wrong_password_is_refused_without_saying_whether_the_account_exists()
    {
        var user = await Host.CreateUserAsync(UserRoles.Viewer);
        using var client = Host.CreateCookieClient();

        using var wrongPassword = await TestAccounts.PostSignInFormAsync(client, user.Email, "not-the-password");
        using var unknownUser = await TestAccounts.PostSignInFormAsync(client, "nobody@example.test", "not-the-password");

        Assert.Equal(HttpStatusCode.OK, wrongPassword.StatusCode);
        Assert.Contains("Wrong email or password.", await wrongPassword.Content.ReadAsStringAsync());
        Assert.Contains("Wrong email or password.", await unknownUser.Content.ReadAsStringAsync());
        using var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_form_is_refused_without_its_antiforgery_token()
    {
        var user = await Host.CreateUserAsync(UserRoles.Admin);
        using var client = Host.CreateCookieClient();

        using var response = await TestAccounts.PostSignInFormAsync(client, user.Email, user.Password, withAntiforgery: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("workbench.auth="));
    }

    [Theory]
    [InlineData(UserRoles.Viewer, HttpStatusCode.Redirect)] // to the access-denied page
    [InlineData(UserRoles.Reviewer, HttpStatusCode.Redirect)]
    [InlineData(UserRoles.Admin, HttpStatusCode.OK)]
    public async Task Only_admins_open_the_hangfire_dashboard(string role, HttpStatusCode expected)
    {
        var (client, _) = await Host.SignedInClientAsync(role);
        using (client)
        {
            using var response = await client.GetAsync("/hangfire");

            Assert.Equal(expected, response.StatusCode);
            if (expected == HttpStatusCode.Redirect)
            {
                Assert.Equal("/account/denied", response.Headers.Location!.AbsolutePath);
            }
        }
    }

    [Theory]
    [InlineData(UserRoles.Viewer, false, false)]
    [InlineData(UserRoles.Reviewer, true, false)]
    [InlineData(UserRoles.Admin, true, true)]
    public async Task Policies_follow_the_role_stored_on_the_user(string role, bool mayRate, bool mayAdminister)
    {
        // The principal comes from the real sign-in claims factory, so this checks User.Role -> claims -> policy.
        var user = await Host.CreateUserAsync(role);
        await using var scope = Host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<User>>()
            .CreateAsync((await users.FindByIdAsync(user.Id))!);
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();

        Assert.True((await authorization.AuthorizeAsync(principal, WorkbenchPolicies.Viewer)).Succeeded);
        Assert.Equal(mayRate, (await authorization.AuthorizeAsync(principal, WorkbenchPolicies.Reviewer)).Succeeded);
        Assert.Equal(mayAdminister, (await authorization.AuthorizeAsync(principal, WorkbenchPolicies.Admin)).Succeeded);
        Assert.False((await authorization.AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity()), WorkbenchPolicies.Viewer)).Succeeded);
    }
}
