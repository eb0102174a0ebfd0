namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>Replay from the transcript page in a real browser, with the demo model run by the host's own pipeline.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class ReplayBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    private async Task<IPage> OpenAsReviewerAsync(string path)
    {
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(60_000);
        await page.SetViewportSizeAsync(1400, 900);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync(path);
        await page.WaitForSelectorAsync("[data-interactive=true]");
        return page;
    }

    [Fact]
    public async Task Replay_on_a_seeded_sampled_run_reports_it_identical_token_for_token_and_links_both_runs()
    {
        var services = host.Host.Services;
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "What is 40 + 2?", new RunSettings
        {
            ModelName = DemoModel.Name, Temperature = 1.0, Seed = 31337, MaxTokens = 60, Logprobs = true, ReasoningEffort = ReasoningEffort.Low,
        }));
        var original = await PipelineWaits.WaitForFinishAsync(services, turn.RunId, seconds: 90);
        Assert.Equal(RunStatus.Succeeded, original.Status);

        var page = await OpenAsReviewerAsync($"/review/runs/{original.Id}");

        await page.GetByTestId("run-replay").ClickAsync();
        var entry = page.GetByTestId("replay-entry");
        await Expect(entry).ToHaveCountAsync(1);
        await Expect(entry).ToContainTextAsync("identical token for token", new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("replay-basis").First).ToContainTextAsync("token ids");
        await Expect(page.GetByTestId("replay-finding")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("replay-identical.png") });

        // The replay's own transcript points back at the original and says the same.
        var replayLink = entry.GetByRole(AriaRole.Link);
        var replayId = (await replayLink.TextContentAsync())!.Replace("run ", "").Trim();
        await replayLink.ClickAsync();
        await page.WaitForUrlOrExplainAsync($"**/review/runs/{replayId}", host.Host);
        await Expect(page.GetByTestId("replay-original-link")).ToHaveTextAsync($"run {original.Id}");
        await Expect(page.GetByTestId("replay-verdict").First).ToContainTextAsync("identical token for token");
    }

    [Fact]
    public async Task Replay_batch_on_the_batch_page_counts_every_seeded_run_identical()
    {
        var services = host.Host.Services;
        var batch = await services.GetRequiredService<BatchService>().ImportAsync(
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes("prompt\nWhat is 3 + 4?\nWhat is 10 - 6?\n")), "replay.csv",
            new BatchImportRequest { Name = "replay check", Matrix = new BatchMatrix { Models = [DemoModel.Name], Temperatures = [1.0], Seeds = [11] } },
            new BatchRunOptions(MaxTokens: 60));
        await PipelineWaits.WaitForBatchAsync(host.Host, batch.Id, p => p.Status == BatchStatus.Completed);

        var page = await OpenAsReviewerAsync($"/batches/{batch.Id}");

        await page.GetByTestId("batch-replay").ClickAsync();
        await Expect(page.GetByTestId("replay-identical")).ToHaveTextAsync("2", new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("replay-diverged")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("replay-not-replayable")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("replay-pending")).ToHaveTextAsync("0");
        // The batch itself is unchanged: the replays are not its items.
        await Expect(page.GetByTestId("batch-done")).ToHaveTextAsync("2/2");
        await page.GetByTestId("batch-replay-panel").ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath("batch-replay.png") });
    }
}
