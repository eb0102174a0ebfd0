namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Review;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>Flagging a run in a real browser: the transcript's flag box, the chip it leaves, and the run list's flag filter.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class RunFlagBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    [Fact]
    public async Task A_reviewer_flags_a_run_as_pii_and_the_batchs_run_list_shows_it_under_flagged_only()
    {
        var (batchId, runIds) = await host.Host.SeedBatchAsync(["Who lives at 12 Elm Street?", "What is 2 + 2?"]);
        var reviewer = await host.Host.CreateUserAsync("reviewer");
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(30_000);
        await TestAccounts.SignInAsync(page, reviewer);
        await page.GotoAsync($"/review/runs/{runIds[0]}");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Expect(page.GetByTestId("flag-panel")).ToBeVisibleAsync();

        await page.GetByTestId("flag-kind").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").GetByText("PII", new() { Exact = true }).ClickAsync();
        await page.GetByTestId("flag-note").FillAsync("names a street address");
        await page.GetByTestId("flag-save").ClickAsync();

        await Expect(page.GetByTestId("run-flag")).ToHaveTextAsync("flagged PII");
        await Expect(page.GetByTestId("flag-summary")).ToContainTextAsync("Flagged PII by reviewer tester");
        var stored = await host.Host.StoredFlagAsync(runIds[0]);
        Assert.Equal((RunFlagKind.Pii, "names a street address"), (stored!.Kind, stored.Note));

        await page.GotoAsync($"/review?batch={batchId}");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Expect(page.GetByTestId("run-prompt")).ToHaveCountAsync(2);
        await page.GetByTestId("filter-flag").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").GetByText("flagged only", new() { Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("run-prompt")).ToHaveTextAsync(["Who lives at 12 Elm Street?"]);
        await Expect(page.GetByTestId("run-flag")).ToHaveTextAsync(["flagged PII"]);
    }
}
