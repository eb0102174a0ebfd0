namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data.Runs;
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

        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(60_000);
        await page.SetViewportSizeAsync(1400, 900);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync($"/review/runs/{original.Id}");
        await page.WaitForSelectorAsync("[data-interactive=true]");

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
}
