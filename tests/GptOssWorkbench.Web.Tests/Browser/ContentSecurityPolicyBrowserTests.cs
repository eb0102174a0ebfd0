namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

[Collection(WorkbenchCollection.Name)]
public sealed class ContentSecurityPolicyBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    [Fact]
    public async Task Every_page_of_the_app_opens_and_goes_interactive_under_the_policy()
    {
        // Every page route without parameters, from the app's own endpoints: a new page cannot be forgotten here.
        var pages = host.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is not null && e.RoutePattern.Parameters.Count == 0)
            .Select(e => "/" + e.RoutePattern.RawText!.Trim('/'))
            .Distinct().Order().ToList();
        Assert.Contains("/chat", pages);
        Assert.Contains("/account/users", pages);
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("admin"));

        foreach (var path in pages.Append("/hangfire"))
        {
            await PageEvents.ExplainFailureAsync(page, host.Host, async () =>
            {
                var response = await page.GotoAsync(path);
                Assert.True(response?.Ok, $"{path} answered {response?.Status}");
                // Pages in the main layout open a Blazor circuit (the web socket connect-src must allow).
                if (await page.Locator("[data-interactive]").CountAsync() > 0)
                    await page.WaitForSelectorAsync("[data-interactive=true]");
            });
        }
        // BrowserTest's check after the test finds nothing blocked on any of them.
    }

    [Fact]
    public async Task An_inline_script_is_blocked_and_fails_the_check_every_browser_test_ends_with()
    {
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        await page.GotoAsync("/account/signin");

        await page.RunAndWaitForConsoleMessageAsync(
            () => page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.head.append(s); }"),
            new PageRunAndWaitForConsoleMessageOptions { Predicate = m => m.Text.StartsWith("CSP violation:", StringComparison.Ordinal) });

        Assert.False(await page.EvaluateAsync<bool>("() => window.inlineRan === true"));
        Assert.Contains(PageEvents.ContentSecurityViolations(page), v => v.Contains("script-src"));
        var failure = Assert.ThrowsAny<Exception>(() => chromium.AssertNoContentSecurityViolations());
        Assert.Contains("script-src", failure.Message);
    }
}
