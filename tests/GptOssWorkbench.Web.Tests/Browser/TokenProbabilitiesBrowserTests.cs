namespace GptOssWorkbench.Web.Tests.Browser;

using System.Globalization;
using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>Token probabilities end to end: asked for in the chat, recorded by the demo model's run, shown on its transcript.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class TokenProbabilitiesBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    [Fact]
    public async Task Chat_records_token_probabilities_and_the_transcript_shows_them_token_by_token()
    {
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(60_000);
        await page.SetViewportSizeAsync(1400, 900);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync("/chat");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        await page.GetByTestId("chat-settings-toggle").ClickAsync();
        await page.GetByTestId("chat-max-tokens").FillAsync("200");
        // Greedy: the test needs a reasoning and an answer message, which a sampled run of the demo model does not
        // always write (a rare draw can stay in one channel until the token limit).
        await page.GetByLabel("Temperature").FillAsync("0");
        await page.GetByLabel("Record token probabilities").CheckAsync();
        await Expect(page.GetByLabel("Alternatives per token")).ToHaveValueAsync("5");
        await page.GetByTestId("chat-settings-toggle").ClickAsync();
        await page.GetByTestId("chat-effort").GetByText("low").ClickAsync();
        await page.GetByTestId("chat-input").FillAsync("A shop had 5002 pens and sold 2875. How many pens are left?");
        await page.GetByTestId("chat-send").ClickAsync();
        await Expect(page.GetByTestId("run-stats")).ToBeVisibleAsync(new() { Timeout = 90_000 });

        // The answer's probabilities link opens its transcript in the token view.
        await page.GetByLabel("Token probabilities of this answer").ClickAsync();
        await page.WaitForUrlOrExplainAsync("**/review/runs/*?tokens=true", host.Host);
        var runId = long.Parse(page.Url.Split('/')[^1].Split('?')[0], CultureInfo.InvariantCulture);
        await Expect(page.GetByTestId("reasoning-tokens")).ToBeVisibleAsync();
        var spans = page.GetByTestId("reasoning-tokens").Locator("[data-testid=token]");
        var tokens = await spans.EvaluateAllAsync<string[]>("spans => spans.map(s => s.textContent)");
        var probabilities = await spans.EvaluateAllAsync<double[]>("spans => spans.map(s => Number(s.dataset.p))");
        Assert.Equal(tokens.Length, probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, double.Epsilon, 1.0));

        // Switched off, the reasoning is plain text again: the same text the tokens spell.
        await page.GetByLabel("Token probabilities").UncheckAsync();
        await Expect(page.GetByTestId("reasoning-tokens")).ToHaveCountAsync(0);
        var reasoning = await page.GetByTestId("reasoning-body").TextContentAsync();
        Assert.False(string.IsNullOrEmpty(reasoning));
        Assert.Equal(reasoning, string.Concat(tokens));
        await page.GetByLabel("Token probabilities").CheckAsync();
        await Expect(page.GetByTestId("reasoning-tokens")).ToBeVisibleAsync();
        var answerTokens = await page.GetByTestId("answer-tokens").Locator("[data-testid=token]").CountAsync();
        Assert.True(answerTokens > 0);

        // The run stored what the chat asked for: every generated token, 5 alternatives each.
        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var run = await db.Runs.Include(r => r.Logprobs).SingleAsync(r => r.Id == runId);
            Assert.True(run.Manifest.Logprobs);
            Assert.Equal(5, run.Manifest.TopLogprobs);
            Assert.Equal(0, run.Manifest.Temperature);
            Assert.Equal(run.OutputTokens, run.Logprobs!.TokenCount);
            var stored = run.Logprobs.Read();
            Assert.All(stored, t => Assert.Equal(5, t.Top.Count));
            // The headers and terminators are stored too, but not shown as text.
            Assert.True(stored.Count > tokens.Length + answerTokens);
        }

        // Pin the token the model was least sure of, for the picture.
        var leastSure = Array.IndexOf(probabilities, probabilities.Min());
        await spans.Nth(leastSure).ClickAsync();
        await Expect(page.GetByTestId("token-alternative").First).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(400);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("token-probabilities.png") });
    }

    [Fact]
    public async Task The_batch_form_records_token_probabilities_with_the_chosen_number_of_alternatives()
    {
        var csv = Path.Combine(host.Host.TempDirectory, "logprobs.csv");
        await File.WriteAllTextAsync(csv, "prompt\nWhat is 12 + 7?\n");
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(60_000);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync("/batches");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        await page.Locator("input[type=file]").SetInputFilesAsync(csv);
        await Expect(page.GetByTestId("batch-preview-row")).ToHaveCountAsync(1);
        await page.GetByTestId("batch-effort-low").ClickAsync();
        await page.GetByTestId("batch-max-tokens").FillAsync("120");
        await page.GetByLabel("Record token probabilities").CheckAsync();
        await page.GetByLabel("Alternatives per token").FillAsync("3");
        await page.GetByLabel("Alternatives per token").PressAsync("Tab");
        await NewBatchSteps.CreateAndOpenAsync(page, host.Host);
        await Expect(page.GetByTestId("batch-done")).ToHaveTextAsync("1/1", new() { Timeout = 90_000 });

        var batchId = long.Parse(page.Url.Split('/')[^1], CultureInfo.InvariantCulture);
        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Logprobs).SingleAsync(r => r.BatchJobId == batchId);
        Assert.True(run.Manifest.Logprobs);
        Assert.Equal(3, run.Manifest.TopLogprobs);
        Assert.Equal(run.OutputTokens, run.Logprobs!.TokenCount);
        Assert.All(run.Logprobs.Read(), t => Assert.Equal(3, t.Top.Count));
    }
}
