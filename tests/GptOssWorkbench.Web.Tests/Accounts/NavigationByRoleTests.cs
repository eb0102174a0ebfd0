namespace GptOssWorkbench.Web.Tests.Accounts;

using System.Text.RegularExpressions;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Tests.Hosting;

/// <summary>
/// What each role is offered, read from the real host's prerendered pages (real sign-in, real policies): links
/// to actions a role cannot use are not shown. The server-side refusals are tested in <see cref="AccessTests"/>.
/// </summary>
[Collection(WorkbenchCollection.Name)]
public sealed partial class NavigationByRoleTests(WorkbenchHostFixture fixture)
{
    private WorkbenchHost Host => fixture.Host;

    private async Task<(List<string> Links, HttpClient Client)> NavLinksAsync(string role)
    {
        var (client, _) = await Host.SignedInClientAsync(role);
        var html = await client.GetStringAsync("/");
        var nav = NavMenu().Match(html);
        Assert.True(nav.Success, "no navigation menu on the home page");
        return (NavHref().Matches(nav.Value).Select(m => m.Groups[1].Value).ToList(), client);
    }

    [Fact]
    public async Task Viewers_see_no_chat_and_no_admin_links()
    {
        var (links, client) = await NavLinksAsync(UserRoles.Viewer);
        using (client)
        {
            Assert.Equal(["", "dashboard", "batches", "review", "compare", "models"], links);

            // Pages they may read do not offer the reviewer actions either.
            var batches = await client.GetStringAsync("/batches");
            Assert.Contains("data-testid=\"batch-viewer-note\"", batches);
            Assert.DoesNotContain("type=\"file\"", batches);
            var compare = await client.GetStringAsync("/compare");
            Assert.Contains("data-testid=\"blind-viewer-note\"", compare);
            Assert.DoesNotContain("data-testid=\"vote-a\"", compare);
        }
    }

    [Fact]
    public async Task Reviewers_also_see_chat_but_no_admin_links()
    {
        var (links, client) = await NavLinksAsync(UserRoles.Reviewer);
        using (client)
        {
            Assert.Equal(["", "dashboard", "chat", "batches", "review", "compare", "models"], links);
            Assert.Contains("type=\"file\"", await client.GetStringAsync("/batches"));
        }
    }

    [Fact]
    public async Task Admins_also_see_users_api_keys_and_the_hangfire_dashboard()
    {
        var (links, client) = await NavLinksAsync(UserRoles.Admin);
        using (client)
        {
            Assert.Equal(["", "dashboard", "chat", "batches", "review", "compare", "models", "account/users", "account/api-keys", "hangfire"], links);
        }
    }

    [Fact]
    public async Task Anonymous_visitors_get_only_the_sign_in_form_without_navigation()
    {
        using var client = Host.CreateCookieClient();

        var html = await client.GetStringAsync("/account/signin");

        Assert.Contains("<form", html);
        Assert.DoesNotMatch(NavMenu(), html);
        foreach (var link in new[] { "chat", "batches", "review", "account/users", "hangfire" })
            Assert.DoesNotContain($"href=\"{link}\"", html);
    }

    [GeneratedRegex("<nav[^>]*data-testid=\"nav\".*?</nav>", RegexOptions.Singleline)]
    private static partial Regex NavMenu();

    [GeneratedRegex("<a [^>]*href=\"([^\"]*)\"")]
    private static partial Regex NavHref();
}
