namespace GptOssWorkbench.Web.Tests.Browser;

using System.Globalization;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>Branching from the transcript page in a real browser, with the demo model run by the host's own pipeline.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class BranchBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    private async Task<List<int>> TokenIdsAsync(long runId)
    {
        await using var db = await host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var logprobs = await db.RunLogprobs.AsNoTracking().SingleAsync(l => l.RunId == runId);
        return [.. logprobs.Read().Select(t => t.TokenId)];
    }

    private static long RunIdOf(IPage page) => long.Parse(page.Url.Split('/')[^1].Split('?')[0], CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_clicked_token_continues_with_an_alternative_and_edited_reasoning_continues_both_as_linked_branches_of_the_run()
    {
        var services = host.Host.Services;
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "What is 40 + 2?", new RunSettings
        {
            ModelName = DemoModel.Name, Temperature = 1.0, Seed = 4711, MaxTokens = 60, Logprobs = true, TopLogprobs = 3, ReasoningEffort = ReasoningEffort.Low,
        }));
        var parent = await PipelineWaits.WaitForFinishAsync(services, turn.RunId, seconds: 90);
        Assert.Equal(RunStatus.Succeeded, parent.Status);

        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(60_000);
        await page.SetViewportSizeAsync(1400, 900);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync($"/review/runs/{parent.Id}?tokens=true");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        // Click the 4th reasoning token and continue with its second most likely alternative.
        var token = page.GetByTestId("reasoning-tokens").Locator("[data-testid=token]").Nth(3);
        var position = int.Parse((await token.GetAttributeAsync("id"))!.Split('-')[^1], CultureInfo.InvariantCulture);
        await token.ClickAsync();
        await Expect(page.GetByTestId("branch-with-alternative")).ToHaveCountAsync(3);
        await page.GetByTestId("branch-with-alternative").Nth(1).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains($"/review/runs/{parent.Id}?", StringComparison.Ordinal));
        var branchId = RunIdOf(page);
        Assert.NotEqual(parent.Id, branchId);
        await Expect(page.GetByTestId("branch-of")).ToContainTextAsync($"Branch of run {parent.Id} at token {position} (forced");
        await PipelineWaits.WaitForFinishAsync(services, branchId, seconds: 90);

        var parentTokens = await TokenIdsAsync(parent.Id);
        var branchTokens = await TokenIdsAsync(branchId);
        await using (var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var alternative = (await db.RunLogprobs.AsNoTracking().SingleAsync(l => l.RunId == parent.Id)).Read()[position].Top[1].TokenId;
            Assert.Equal(alternative, branchTokens[position]);
        }
        Assert.Equal(parentTokens[..position], branchTokens[..position]);

        // Back on the parent: edit the reasoning (cut to its first words) and continue.
        await page.GetByTestId("branch-parent-link").ClickAsync();
        await page.WaitForUrlOrExplainAsync($"**/review/runs/{parent.Id}", host.Host);
        await page.GetByTestId("edit-reasoning").ClickAsync();
        var editor = page.GetByTestId("edit-reasoning-text");
        Assert.False(string.IsNullOrEmpty(await editor.InputValueAsync()), "the editor is prefilled with the run's reasoning");
        await editor.FillAsync("Let me think about 40 plus 2 carefully:");
        await page.GetByTestId("edit-reasoning-continue").ClickAsync();
        await page.WaitForURLAsync(url => !url.EndsWith($"/review/runs/{parent.Id}", StringComparison.Ordinal));
        await Expect(page.GetByTestId("branch-of")).ToContainTextAsync($"Branch of run {parent.Id} with edited reasoning (39 characters)");
        var editedId = RunIdOf(page);
        await PipelineWaits.WaitForFinishAsync(services, editedId, seconds: 90);
        await page.ReloadAsync();
        await Expect(page.GetByTestId("reasoning-body").First).ToContainTextAsync("Let me think about 40 plus 2 carefully:");

        // The parent lists both branches.
        await page.GotoAsync($"/review/runs/{parent.Id}");
        await Expect(page.GetByTestId("branch-entry")).ToHaveCountAsync(2);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("branches.png") });
    }
}
