namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

[Collection(WorkbenchCollection.Name)]
public sealed class HomePageBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    private const string BodyBackground = "getComputedStyle(document.body).backgroundColor";

    [Fact]
    public async Task Home_page_shows_engine_status_and_dark_mode_survives_a_reload()
    {
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));

        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        await Expect(page.Locator("h1")).ToHaveTextAsync("Workbench status");
        await Expect(page.GetByTestId("engine-device")).ToHaveTextAsync("cpu");
        await Expect(page.GetByTestId("engine-model")).ToHaveTextAsync("no model");
        await Expect(page.GetByTestId("database-provider")).ToHaveTextAsync("SQLite");
        await Expect(page.GetByTestId("database-file")).ToHaveTextAsync(Path.Combine(host.Host.DataDirectory, "workbench.db"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("home-light.png") });

        var lightBackground = await page.EvaluateAsync<string>(BodyBackground);
        await page.ClickAsync("#theme-toggle");
        await page.WaitForFunctionAsync($"before => {BodyBackground} !== before", lightBackground);
        var darkBackground = await page.EvaluateAsync<string>(BodyBackground);
        Assert.True(Luminance(darkBackground) < Luminance(lightBackground) / 2,
            $"dark mode background {darkBackground} is not clearly darker than {lightBackground}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("home.png") });

        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await page.WaitForFunctionAsync($"dark => {BodyBackground} === dark", darkBackground);

        // The drawer navigates inside the live circuit.
        await page.GetByRole(AriaRole.Link, new() { Name = "Chat" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(host.Host.BaseAddress, "chat").ToString());
        await Expect(page.Locator("h1")).ToHaveTextAsync("Chat");
        await Expect(page.GetByTestId("chat-input")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("chat-dark.png") });
    }

    /// <summary>Relative brightness 0..255 of a CSS "rgb(r, g, b)" colour.</summary>
    private static double Luminance(string rgb)
    {
        var parts = rgb[(rgb.IndexOf('(') + 1)..rgb.IndexOf(')')].Split(',').Select(p => double.Parse(p.Trim())).ToArray();
        return 0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2];
    }
}
