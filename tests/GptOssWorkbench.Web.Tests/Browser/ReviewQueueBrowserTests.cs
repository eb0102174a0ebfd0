namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Review;
using GptOssWorkbench.Web.Tests.Transcripts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>The review queue's keyboard shortcuts in a real browser (focus handling is the part bUnit cannot see).</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class ReviewQueueBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    /// <param name="withTokens">Store logprobs for each run: reasoning tokens at p 0.3, answer tokens at 0.95.</param>
    private Task<(long BatchId, long[] RunIds)> SeedBatchAsync(string[] prompts, bool withTokens = false) =>
        host.Host.SeedBatchAsync(prompts, withTokens
            ? prompt => RunLogprobs.Create(GeneratedTokens.ReasoningAndAnswer("Reasoning for " + prompt, 0.3, "Answer to " + prompt, 0.95))
            : null);

    [Fact]
    public async Task Queue_is_rated_with_the_keyboard_even_after_a_mouse_click_on_save()
    {
        var (batchId, runIds) = await SeedBatchAsync(["first prompt", "second prompt", "third prompt"]);
        var reviewer = await host.Host.CreateUserAsync("reviewer");
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(30_000);
        await TestAccounts.SignInAsync(page, reviewer);
        await page.GotoAsync($"/review/queue/{batchId}");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Expect(page.GetByTestId("queue-remaining")).ToHaveTextAsync("3 left");

        // Run 1 by keyboard only: 4 for reasoning, Shift+5 for the answer, C for "correct", Enter to save.
        await page.Keyboard.PressAsync("4");
        await page.Keyboard.PressAsync("Shift+Digit5");
        await page.Keyboard.PressAsync("c");
        await Expect(page.GetByTestId("reasoning-score")).ToHaveTextAsync("4/5");
        await Expect(page.GetByTestId("answer-score")).ToHaveTextAsync("5/5");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("queue-remaining")).ToHaveTextAsync("2 left");
        await Expect(page.GetByTestId("transcript")).ToContainTextAsync("second prompt");

        // Run 2: keys, then the mouse on "Save & next"; the next run must still take keys.
        await page.Keyboard.PressAsync("2");
        await page.GetByTestId("queue-save").ClickAsync();
        await Expect(page.GetByTestId("transcript")).ToContainTextAsync("third prompt");
        // A click outside the queue (here its heading) takes focus away from it: keys must still rate the run.
        await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).ClickAsync();
        await Expect(page.GetByTestId("review-queue")).Not.ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Shift+Digit1");
        await page.Keyboard.PressAsync("h");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("queue-done")).ToBeVisibleAsync();

        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var ratings = await db.Ratings.Where(r => runIds.Contains(r.RunId)).OrderBy(r => r.RunId).ToListAsync();
        Assert.Equal(
            [(runIds[0], (int?)4, (int?)5, "correct"), (runIds[1], 2, null, ""), (runIds[2], null, 1, "hallucination")],
            ratings.Select(r => (r.RunId, r.ReasoningScore, r.AnswerScore, string.Join(",", r.Labels))));
        Assert.All(ratings, r => Assert.Equal(reviewer.Id, r.ReviewerUserId));
    }

    [Fact]
    public async Task T_shows_shaded_tokens_and_the_view_stays_on_for_the_next_run()
    {
        var (batchId, _) = await SeedBatchAsync(["tokens one", "tokens two"], withTokens: true);
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(30_000);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync($"/review/queue/{batchId}");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Expect(page.GetByTestId("reasoning-body")).ToHaveTextAsync("Reasoning for tokens one");

        await page.Keyboard.PressAsync("t");

        // Every reasoning token was generated at p 0.3: each one shaded "< 50 %", and the browser really paints it.
        var reasoning = page.GetByTestId("reasoning-tokens").Locator("[data-testid=token]");
        await Expect(reasoning.First).ToBeVisibleAsync();
        Assert.Equal("Reasoning for tokens one", string.Concat(await reasoning.AllTextContentsAsync()));
        Assert.All(await reasoning.EvaluateAllAsync<string[]>("spans => spans.map(s => s.className)"), c => Assert.Contains("tok-shade-2", c));
        var paint = await reasoning.First.EvaluateAsync<string>("s => getComputedStyle(s).backgroundColor");
        Assert.NotEqual(await page.GetByTestId("answer-tokens").Locator("[data-testid=token]").First.EvaluateAsync<string>("s => getComputedStyle(s).backgroundColor"), paint);
        await Expect(page.GetByLabel("Token probabilities")).ToBeCheckedAsync();

        // Rated by keyboard; the next run opens in the token view.
        await page.Keyboard.PressAsync("3");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("queue-remaining")).ToHaveTextAsync("1 left");
        await Expect(page.GetByTestId("reasoning-tokens")).ToHaveTextAsync("Reasoning for tokens two");
        await Expect(page.GetByLabel("Token probabilities")).ToBeCheckedAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("review-queue-tokens.png") });

        // T again: the plain transcript.
        await page.Keyboard.PressAsync("t");
        await Expect(page.GetByTestId("reasoning-body")).ToHaveTextAsync("Reasoning for tokens two");
        await Expect(page.GetByTestId("reasoning-tokens")).ToHaveCountAsync(0);
    }
}
