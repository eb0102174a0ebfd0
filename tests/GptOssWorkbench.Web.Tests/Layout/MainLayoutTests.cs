namespace GptOssWorkbench.Web.Tests.Layout;

using Bunit;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Components.Layout;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Extensions;

public sealed class MainLayoutTests : WorkbenchComponentTest
{
    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(parameters => parameters.Add(
            p => p.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id=\"page-body\">page body</p>"))));

    [Fact]
    public void Shows_title_page_body_and_for_an_admin_every_section_in_the_drawer()
    {
        Authorization.SetAuthorized("admin@example.test");
        Authorization.SetPolicies(WorkbenchPolicies.Viewer, WorkbenchPolicies.Reviewer, WorkbenchPolicies.Admin);

        var cut = RenderLayout();

        Assert.Contains("GptOssWorkbench", cut.Find(".mud-appbar").TextContent);
        Assert.Equal("page body", cut.Find("#page-body").TextContent);
        Assert.Equal(
            [("Home", ""), ("Dashboard", "dashboard"), ("Chat", "chat"), ("Batches", "batches"), ("Review", "review"),
             ("Compare", "compare"), ("Models", "models"), ("Users", "account/users"), ("API keys", "account/api-keys"),
             ("Hangfire dashboard", "hangfire")],
            NavLinks(cut));
    }

    [Fact]
    public void A_viewer_gets_no_chat_or_admin_links()
    {
        Authorization.SetAuthorized("viewer@example.test");
        Authorization.SetPolicies(WorkbenchPolicies.Viewer);

        var cut = RenderLayout();

        Assert.Equal(["", "dashboard", "batches", "review", "compare", "models"], NavLinks(cut).Select(l => l.Href));
    }

    private static List<(string Text, string? Href)> NavLinks(IRenderedComponent<MainLayout> cut) =>
        cut.FindAll(".mud-navmenu a").Select(a => (Text: a.TextContent.Trim(), Href: a.GetAttribute("href"))).ToList();

    [Fact]
    public void Keyboard_help_lists_the_chat_and_review_queue_shortcuts()
    {
        var cut = RenderLayout();
        Assert.Empty(cut.FindAll("[data-testid=shortcuts-help]"));

        cut.Find("[data-testid=shortcuts-button]").Click();

        var help = cut.WaitForElement("[data-testid=shortcuts-help]");
        var rows = help.QuerySelectorAll("[data-testid=shortcut]").Select(r => r.TextContent.Replace(" ", "")).ToList();
        Assert.Contains(rows, r => r.StartsWith("Ctrl+Enter") && r.Contains("send"));
        Assert.Contains(rows, r => r.StartsWith("Shift+1–5") && r.Contains("answer"));
        Assert.Contains(rows, r => r.StartsWith("Enter") && r.Contains("next"));
        Assert.Contains(rows, r => r.StartsWith("H") && r.Contains("hallucination"));
    }

    [Fact]
    public void Theme_toggle_flips_dark_mode_and_remembers_the_choice()
    {
        var cut = RenderLayout();
        var theme = cut.FindComponent<MudThemeProvider>();
        Assert.False(theme.Instance.GetState(x => x.IsDarkMode));

        cut.Find("#theme-toggle").Click();

        Assert.True(theme.Instance.GetState(x => x.IsDarkMode));
        Assert.Equal("Switch to light mode", cut.Find("#theme-toggle").GetAttribute("aria-label"));
        Assert.Equal(["workbench.theme", "dark"], JSInterop.VerifyInvoke("localStorage.setItem").Arguments);

        cut.Find("#theme-toggle").Click();

        Assert.False(theme.Instance.GetState(x => x.IsDarkMode));
        Assert.Equal(["workbench.theme", "light"], JSInterop.VerifyInvoke("localStorage.setItem", calledTimes: 2)[1].Arguments);
    }

    [Fact]
    public void Stored_dark_choice_is_applied_once_interactive()
    {
        JSInterop.Setup<string?>("localStorage.getItem", "workbench.theme").SetResult("dark");

        var cut = RenderLayout();

        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".mud-layout").GetAttribute("data-interactive")));
        Assert.True(cut.FindComponent<MudThemeProvider>().Instance.GetState(x => x.IsDarkMode));
        Assert.Equal("dark", cut.Find(".mud-layout").GetAttribute("data-theme"));
    }
}
