namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>The main journeys in a real browser against the real host and the tiny random demo model.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class JourneyBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    private async Task<IPage> OpenAsync(string path, TestAccounts.TestUser? user = null)
    {
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(30_000);
        await page.SetViewportSizeAsync(1400, 900);
        // Chatting, running batches, rating and voting are reviewer actions.
        await TestAccounts.SignInAsync(page, user ?? await host.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync(path);
        await page.WaitForSelectorAsync("[data-interactive=true]");
        return page;
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath(name) });

    [Fact]
    public async Task Chat_message_streams_into_the_thread_and_finishes_with_stats()
    {
        var page = await OpenAsync("/chat");

        await page.GetByTestId("chat-settings-toggle").ClickAsync();
        await page.GetByTestId("chat-max-tokens").FillAsync("200");
        // Greedy decoding: the trained demo model's most likely answer, the same on every run.
        await page.GetByLabel("Temperature").FillAsync("0");
        await page.GetByTestId("chat-settings-toggle").ClickAsync();
        await page.GetByTestId("chat-effort").GetByText("high").ClickAsync();
        await page.GetByTestId("chat-input").FillAsync("Sam buys 4 boxes with 70 apples in each box. How many apples is that in total?");
        await page.GetByTestId("chat-send").ClickAsync();

        await Expect(page.GetByTestId("chat-user")).ToContainTextAsync("Sam buys 4 boxes");
        // The trained demo model reasons (analysis) before it answers; the reasoning panel fills in while the run streams.
        await Expect(page.GetByTestId("reasoning-text")).ToContainTextAsync("4", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("run-stats")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("run-stats")).ToContainTextAsync("output");
        await Expect(page.GetByTestId("answer-text")).ToHaveTextAsync("280");
        await Expect(page.GetByTestId("conversation-title").First).ToContainTextAsync("Sam buys 4 boxes");
        // The finished reasoning folds away; open it for the picture.
        await page.GetByTestId("reasoning-panel").ClickAsync();
        await Expect(page.GetByTestId("reasoning-text")).ToBeVisibleAsync();
        // Let the panel's open animation finish so the picture shows the whole reasoning.
        await page.WaitForFunctionAsync("() => { const t = document.querySelector('[data-testid=reasoning-text]'); return t && t.getBoundingClientRect().height > 0 && t.closest('.mud-collapse-container')?.getBoundingClientRect().height >= t.getBoundingClientRect().height; }");
        await page.WaitForTimeoutAsync(400);
        await ShotAsync(page, "chat.png");
    }

    [Fact]
    public async Task Uploaded_csv_batch_previews_runs_and_finishes()
    {
        var csv = Path.Combine(host.Host.TempDirectory, "questions.csv");
        await File.WriteAllTextAsync(csv, "id,prompt,topic\nq1,What is 4738 + 1295?,addition\nq2,\"Mia has 323 coins and gives away 88. How many coins are left?\",subtraction\n");
        var page = await OpenAsync("/batches");

        await page.Locator("input[type=file]").SetInputFilesAsync(csv);
        await Expect(page.GetByTestId("batch-preview-row")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("batch-detected")).ToContainTextAsync("2 prompts · fields: prompt, id · metadata: topic");
        await page.GetByTestId("batch-effort-low").ClickAsync();
        await page.GetByTestId("batch-effort-high").ClickAsync();
        await page.GetByTestId("batch-max-tokens").FillAsync("200");
        await page.GetByTestId("batch-max-tokens").PressAsync("Tab");
        await Expect(page.GetByTestId("batch-item-count")).ToContainTextAsync("= 4 runs");
        await ShotAsync(page, "batch-preview.png");

        await NewBatchSteps.CreateAndOpenAsync(page, host.Host);
        // The URL changes before the batch page replaces the list (whose rows have the same test ids).
        await Expect(page.GetByTestId("batch-succeeded")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("batch-done")).ToHaveTextAsync("4/4", new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("batch-status")).ToHaveTextAsync("completed");
        await Expect(page.GetByTestId("batch-succeeded")).ToHaveTextAsync("4");
        // Without an expected column there is nothing to grade, so no accuracy table.
        await Expect(page.GetByTestId("batch-accuracy")).ToHaveCountAsync(0);
        await ShotAsync(page, "batch-done.png");
        // The batch's transcripts: every model × effort run with its reasoning length, ready to review.
        await page.GetByTestId("batch-runs").ClickAsync();
        await Expect(page.GetByTestId("run-prompt")).ToHaveCountAsync(4);
        await ShotAsync(page, "batch.png");
    }

    [Fact]
    public async Task Batch_with_expected_answers_shows_accuracy_per_setting()
    {
        // Reference answers worked out by hand; the last one is deliberately wrong (512 + 120 = 632), so a model that
        // answers all four correctly scores 3 of 4.
        var csv = Path.Combine(host.Host.TempDirectory, "graded.csv");
        await File.WriteAllTextAsync(csv,
            "prompt,expected\n" +
            "What is 4738 + 1295?,\"6,033\"\n" +
            "\"Mia has 323 coins and gives away 88. How many coins are left?\",235\n" +
            "Sam buys 4 boxes with 70 apples in each box. How many apples is that in total?,280\n" +
            "What is 512 + 120?,633\n");
        var page = await OpenAsync("/batches");

        await page.Locator("input[type=file]").SetInputFilesAsync(csv);
        await Expect(page.GetByTestId("batch-detected")).ToContainTextAsync("4 prompts · fields: prompt, expected");
        await page.GetByTestId("batch-effort-low").ClickAsync();
        // Greedy decoding: the demo model's most likely answer, the same on every run.
        await page.GetByTestId("batch-temperatures").FillAsync("0");
        await page.GetByTestId("batch-temperatures").PressAsync("Tab");
        await page.GetByTestId("batch-max-tokens").FillAsync("200");
        await page.GetByTestId("batch-max-tokens").PressAsync("Tab");
        await Expect(page.GetByTestId("batch-item-count")).ToContainTextAsync("= 4 runs");

        await NewBatchSteps.CreateAndOpenAsync(page, host.Host);
        // The URL changes before the batch page replaces the list (whose rows have the same test ids).
        await Expect(page.GetByTestId("batch-succeeded")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("batch-done")).ToHaveTextAsync("4/4", new() { Timeout = 90_000 });
        var row = page.GetByTestId("batch-accuracy-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("low");
        await Expect(row.GetByTestId("accuracy-graded")).ToHaveTextAsync("4");
        await Expect(row.GetByTestId("accuracy-pending")).ToHaveTextAsync("0");
        await Expect(row.GetByTestId("accuracy-correct")).ToHaveTextAsync("3");
        await Expect(row.GetByTestId("accuracy-percent")).ToHaveTextAsync("75.0 %");
        await Expect(row.GetByTestId("accuracy-wrong")).ToHaveTextAsync("1");
        await ShotAsync(page, "batch-accuracy.png");

        // "wrong: 1" opens the Review list with exactly that run: this batch, this setting, graded wrong.
        await row.GetByTestId("accuracy-wrong-link").ClickAsync();
        await page.WaitForUrlOrExplainAsync("**/review?*grade=wrong*", host.Host);
        await Expect(page.GetByTestId("run-prompt")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("run-prompt")).ToHaveTextAsync("What is 512 + 120?");
        await Expect(page.GetByTestId("run-graded")).ToContainTextAsync("wrong");
        await Expect(page.GetByTestId("run-graded")).ToHaveAttributeAsync("title", "expected: 633");
        await ShotAsync(page, "review-wrong-runs.png");

        // Choosing another grade on the page rewrites the address, and a reload of that address shows the same list.
        await page.GetByTestId("filter-grade").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").GetByText("correct", new() { Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("run-prompt")).ToHaveCountAsync(3);
        await page.WaitForUrlOrExplainAsync("**/review?*grade=correct*", host.Host);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Expect(page.GetByTestId("run-prompt")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("run-graded")).ToHaveTextAsync(["correct", "correct", "correct"]);
    }

    private async Task<long> SeedRunAsync(string prompt, string reasoning, string answer, string model, ReasoningEffort effort, int reasoningTokens = 55)
    {
        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var run = new Run
        {
            Source = RunSource.Api, PromptText = prompt, CreatedAt = now,
            Manifest = new RunManifest { ModelName = model, ReasoningEffort = effort, MaxTokens = 512, Seed = 7 },
            PromptTokens = 60, OutputTokens = reasoningTokens + 35, ReasoningTokens = reasoningTokens, TimeToFirstTokenMs = 210, TokensPerSecond = 31.5, FinishReason = "stop",
        };
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = reasoning, Order = 0, CreatedAt = now });
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = answer, Order = 1, CreatedAt = now });
        run.MoveTo(RunStatus.Running, now.AddSeconds(-3));
        run.MoveTo(RunStatus.Succeeded, now);
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    [Fact]
    public async Task A_run_opened_while_the_search_is_still_pending_stays_open_and_back_returns_to_the_list()
    {
        var runId = await SeedRunAsync("A ferry crosses 12 km at 24 km/h. How many minutes does it take?",
            "12 / 24 = 0.5 hours, which is 30 minutes.", "30 minutes", "gpt-oss-20b", ReasoningEffort.Low);
        var page = await OpenAsync("/review");
        var link = page.Locator($"[data-testid=run-link][href$='review/runs/{runId}']");
        await Expect(link).ToBeVisibleAsync();

        // Typed, and the run opened before the search's debounce: the click blurs the box, which applies the search
        // (and writes the list's address) while the browser is already opening the run.
        await page.GetByTestId("search").FillAsync("ferry");
        await link.ClickAsync();
        await page.WaitForUrlOrExplainAsync($"**/review/runs/{runId}", host.Host);
        await Expect(page.GetByTestId("transcript")).ToContainTextAsync("ferry");
        // The bounce back to the list came within a few hundred ms; give it more than enough time to show.
        await page.WaitForTimeoutAsync(2000);
        Assert.EndsWith($"/review/runs/{runId}", page.Url);

        // One click, one history entry: Back is the list again.
        await page.GoBackAsync();
        await page.WaitForUrlOrExplainAsync("**/review", host.Host);
        await Expect(page.GetByTestId("run-table")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Reviewer_rates_a_transcript_and_notes_a_span_of_its_reasoning()
    {
        var runId = await SeedRunAsync("A train leaves at 9:40 and arrives at 11:15. How long is the trip?",
            "The train leaves at 9:40. From 9:40 to 11:40 is two hours, so 11:15 is 25 minutes less: 1 hour 35 minutes. Let me double check: 9:40 + 1:35 = 11:15. Correct.",
            "The trip takes **1 hour 35 minutes**.\n\n- departs 9:40\n- arrives 11:15", "gpt-oss-20b", ReasoningEffort.Medium);
        var page = await OpenAsync("/review");

        await page.GetByTestId("search").FillAsync("train leaves");
        // The search is applied (and written into the address) only after its debounce or a blur. When this run is
        // the only one (this test first on the host) the count below holds before the search ran: wait for the search
        // itself, so the run is opened from the searched list (the pending-search case has its own test above).
        await page.WaitForUrlOrExplainAsync("**/review?*q=train*", host.Host);
        await Expect(page.GetByTestId("run-prompt")).ToHaveCountAsync(1);
        await page.GetByTestId("run-link").ClickAsync();
        await page.WaitForUrlOrExplainAsync($"**/review/runs/{runId}", host.Host);

        await page.Locator("[data-testid=reasoning-rating] .mud-rating-item").Nth(3).ClickAsync();
        await page.Locator("[data-testid=answer-rating] .mud-rating-item").Nth(4).ClickAsync();
        await page.GetByTestId("label-correct").ClickAsync();
        await page.GetByTestId("save-rating").ClickAsync();
        await Expect(page.GetByTestId("rating-row")).ToContainTextAsync("reasoning 4, answer 5 · correct");

        // Select "two hours" in the reasoning and attach a note to it.
        await page.EvaluateAsync(@"() => {
            const body = document.querySelector('[data-testid=reasoning-body]');
            const node = body.querySelector('span').firstChild;
            const start = node.textContent.indexOf('two hours');
            const range = document.createRange();
            range.setStart(node, start); range.setEnd(node, start + 'two hours'.length);
            const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        }");
        await page.GetByTestId("annotate-selection").ClickAsync();
        await page.GetByTestId("annotation-note").FillAsync("Good sanity anchor");
        await page.GetByTestId("save-annotation").ClickAsync();
        await Expect(page.GetByTestId("span-highlight")).ToHaveTextAsync("two hours");
        await Expect(page.GetByTestId("annotation")).ToContainTextAsync("Good sanity anchor");
        await ShotAsync(page, "review.png");
    }

    [Fact]
    public async Task Blind_vote_reveals_the_models_and_moves_the_leaderboard()
    {
        await SeedRunAsync("Is 91 prime?", "91 = 7 * 13.", "No: **91 = 7 × 13**.", "gpt-oss-120b", ReasoningEffort.High);
        await SeedRunAsync("Is 91 prime?", "Looks prime.", "Yes, 91 is prime.", "gpt-oss-20b", ReasoningEffort.Low);
        // Earlier votes and ratings by this reviewer, so the leaderboard has intervals and its charts have points.
        var reviewer = await host.Host.CreateUserAsync("reviewer");
        await SeedEarlierVotesAsync(reviewer.Id);
        var page = await OpenAsync("/compare", reviewer);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Leaderboard" }).ClickAsync();
        var before = await page.GetByTestId("leaderboard-votes").InnerTextAsync();
        var votesBefore = int.Parse(before.Split(' ')[0]);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Blind vote" }).ClickAsync();
        await Expect(page.GetByTestId("vote-a")).ToBeVisibleAsync();
        await ShotAsync(page, "compare-blind.png");
        await page.GetByTestId("vote-a").ClickAsync();
        await Expect(page.GetByTestId("reveal-A")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("reveal-B")).ToBeVisibleAsync();
        await ShotAsync(page, "compare-revealed.png");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Leaderboard" }).ClickAsync();
        await Expect(page.GetByTestId("leaderboard-votes")).ToContainTextAsync($"{votesBefore + 1} pairwise votes");
        await Expect(page.GetByTestId("leaderboard-row").First).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500); // the tab indicator slides over; the picture should show where it lands
        await ShotAsync(page, "compare-leaderboard.png");
    }

    private async Task SeedEarlierVotesAsync(string reviewerId)
    {
        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        for (var i = 0; i < 8; i++)
        {
            var (a, b) = (12 + 7 * i, 30 + 11 * i);
            var prompt = $"What is {a} + {b}?";
            var strong = await SeedRunAsync(prompt, $"{a}+{b}: column by column. So {a + b}.", $"{a + b}", "gpt-oss-120b", ReasoningEffort.High, 40 + 9 * i);
            var weak = await SeedRunAsync(prompt, "Quick guess.", $"{a + b + (i % 3 == 0 ? 0 : 10)}", "gpt-oss-20b", ReasoningEffort.Low, 6 + i);
            await using (var db = await factory.CreateDbContextAsync())
            {
                // The strong setting wins six of eight; one tie, one loss.
                var vote = i switch { 6 => ComparisonVote.Tie, 7 => ComparisonVote.B, _ => ComparisonVote.A };
                db.PairwiseComparisons.Add(new PairwiseComparison
                {
                    RunAId = strong, RunBId = weak, RunAShownLeft = i % 2 == 0, Vote = vote, VoterUserId = reviewerId,
                    CreatedAt = DateTime.UtcNow, VotedAt = DateTime.UtcNow,
                });
                await db.SaveChangesAsync();
            }
            await GptOssWorkbench.Web.Review.ReviewActions.SaveRatingAsync(factory, strong, reviewerId, 4 + i % 2, 5 - i / 6, []);
            await GptOssWorkbench.Web.Review.ReviewActions.SaveRatingAsync(factory, weak, reviewerId, 1 + i % 2, i % 3 == 0 ? 4 : 1, []);
        }
    }

    [Fact]
    public async Task Models_page_shows_what_inspect_knows_and_refuses_a_bad_folder()
    {
        // Reviewers see the models but cannot add a folder of the server's disk.
        var reviewerPage = await OpenAsync("/models");
        await Expect(reviewerPage.GetByTestId("model-name").First).ToHaveTextAsync(GptOssWorkbench.Pipeline.Models.DemoModel.Name);
        await Expect(reviewerPage.GetByTestId("add-model")).ToHaveCountAsync(0);
        await reviewerPage.CloseAsync();

        var page = await OpenAsync("/models", await host.Host.CreateUserAsync("admin"));

        await Expect(page.GetByTestId("model-name").First).ToHaveTextAsync(GptOssWorkbench.Pipeline.Models.DemoModel.Name);
        await Expect(page.GetByTestId("model-facts").First).ToContainTextAsync("fingerprint");
        await Expect(page.GetByTestId("model-params").First).ToContainTextAsync("layers");
        // The shipped demo is trained: calling it "random weights" (as the old fallback was) would tell users it is noise.
        await Expect(page.GetByTestId("model-demo-badge").First).ToHaveTextAsync("demo · trained on arithmetic only");

        var notACheckpoint = Path.Combine(host.Host.TempDirectory, "not-a-model");
        Directory.CreateDirectory(notACheckpoint);
        await page.GetByTestId("new-model-name").FillAsync("broken");
        await page.GetByTestId("new-model-folder").FillAsync(notACheckpoint);
        await page.GetByTestId("add-model").ClickAsync();
        await Expect(page.GetByTestId("add-model-error")).ToContainTextAsync(notACheckpoint);
        await ShotAsync(page, "models.png");

        await page.GotoAsync("/dashboard");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Expect(page.GetByTestId("dash-queued")).ToBeVisibleAsync();
    }
}
