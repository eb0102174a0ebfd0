namespace GptOssWorkbench.Web.Tests.Review;

using Bunit;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Transcripts;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;

/// <summary>The review queue's "Token probabilities" switch and its T shortcut, over runs with real stored logprobs.</summary>
public sealed class ReviewQueueTokenTests : DatabaseComponentTest
{
    private const string ToggleInput = "input[data-testid=token-probabilities-toggle], [data-testid=token-probabilities-toggle] input";

    private long _batch;

    private long AddRun(string name, byte[]? payload)
    {
        if (_batch == 0)
            _batch = Db.AddBatch("tokens");
        var run = Db.AddRun(name + "?", Reasoning(name), Answer(name), batchId: _batch);
        if (payload is not null)
        {
            using var db = Db.CreateDbContext();
            db.RunLogprobs.Add(new RunLogprobs { RunId = run.Id, TokenCount = 1, Payload = payload });
            db.SaveChanges();
        }
        return run.Id;
    }

    private static string Reasoning(string name) => $"Thinking about {name}:\n7 + 5 = 12.";
    private static string Answer(string name) => $"{name} is 12";

    // Reasoning at p 0.3 (the "< 50 %" shade), the answer at 0.95 (no shade): the view must tell them apart.
    private long AddRunWithTokens(string name) =>
        AddRun(name, RunLogprobs.Encode(GeneratedTokens.ReasoningAndAnswer(Reasoning(name), 0.3, Answer(name), 0.95)));

    private IRenderedComponent<ReviewQueuePage> OpenQueue() => Render<ReviewQueuePage>(p => p.Add(c => c.BatchId, _batch));

    private static void Press(IRenderedComponent<ReviewQueuePage> cut, string key, string code, bool shift = false) =>
        cut.Find("[data-testid=review-queue]").KeyDown(new KeyboardEventArgs { Key = key, Code = code, ShiftKey = shift });

    private static void AssertTokensOf(IRenderedComponent<ReviewQueuePage> cut, string name)
    {
        var reasoning = cut.WaitForElement("[data-testid=reasoning-tokens]").QuerySelectorAll("[data-testid=token]");
        Assert.Equal(GeneratedTokens.TextTokenCount(Reasoning(name)), reasoning.Length);
        Assert.Equal(Reasoning(name), string.Concat(reasoning.Select(s => s.TextContent)));
        Assert.All(reasoning, s => Assert.Contains("tok-shade-2", s.ClassName));
        var answer = cut.Find("[data-testid=answer-tokens]").QuerySelectorAll("[data-testid=token]");
        Assert.Equal(Answer(name), string.Concat(answer.Select(s => s.TextContent)));
        Assert.All(answer, s => Assert.Contains("tok-shade-0", s.ClassName));
        Assert.Empty(cut.FindAll("[data-testid=reasoning-body]"));
    }

    private static bool SwitchIsOn(IRenderedComponent<ReviewQueuePage> cut) => cut.Find(ToggleInput).HasAttribute("checked");

    [Fact]
    public void T_shows_the_token_view_of_a_run_with_probabilities_and_hides_it_again()
    {
        AddRunWithTokens("first");
        var cut = OpenQueue();
        cut.WaitForElement("[data-testid=token-probabilities-toggle]");
        Assert.Equal(Reasoning("first"), cut.Find("[data-testid=reasoning-body]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=no-token-probabilities]"));

        Press(cut, "t", "KeyT");
        cut.WaitForAssertion(() => AssertTokensOf(cut, "first"));
        Assert.True(SwitchIsOn(cut));
        Assert.Equal(GeneratedTokens.TextTokenCount(Reasoning("first")).ToString(), cut.FindAll("[data-testid=uncertain-count]")[0].TextContent);

        Press(cut, "T", "KeyT", shift: true);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=token]")));
        Assert.Equal(Reasoning("first"), cut.Find("[data-testid=reasoning-body]").TextContent);
        Assert.False(SwitchIsOn(cut));
    }

    [Fact]
    public async Task The_switch_stays_on_while_the_reviewer_rates_skips_and_passes_a_run_without_probabilities()
    {
        AddRunWithTokens("first");
        var plain = AddRun("second", payload: null);
        AddRunWithTokens("third");
        var cut = OpenQueue();
        // On with the mouse this time; the keyboard must still rate.
        cut.WaitForElement(ToggleInput).Change(true);
        cut.WaitForAssertion(() => AssertTokensOf(cut, "first"));

        Press(cut, "4", "Digit4");
        Press(cut, "Enter", "Enter");
        // A run without probabilities: the note and its plain transcript; T must not flip the hidden setting off.
        cut.WaitForAssertion(() => Assert.Equal(Reasoning("second"), cut.Find("[data-testid=reasoning-body]").TextContent));
        cut.WaitForElement("[data-testid=no-token-probabilities]");
        Assert.Empty(cut.FindAll("[data-testid=token-probabilities-toggle]"));
        Assert.Empty(cut.FindAll("[data-testid=token]"));
        Press(cut, "t", "KeyT");

        Press(cut, "s", "KeyS");
        cut.WaitForAssertion(() => AssertTokensOf(cut, "third"));
        Assert.True(SwitchIsOn(cut));
        Assert.Empty(cut.FindAll("[data-testid=no-token-probabilities]"));

        await using var db = Db.CreateDbContext();
        var rating = await db.Ratings.SingleAsync();
        Assert.Equal(4, rating.ReasoningScore);
        Assert.False(await db.Ratings.AnyAsync(r => r.RunId == plain));
    }

    [Fact]
    public void A_run_without_probabilities_has_no_switch_says_why_and_T_does_nothing()
    {
        AddRun("plain", payload: null);
        var cut = OpenQueue();

        cut.WaitForElement("[data-testid=no-token-probabilities]");
        Press(cut, "t", "KeyT");
        Assert.Empty(cut.FindAll("[data-testid=token-probabilities-toggle]"));
        Assert.Empty(cut.FindAll("[data-testid=token]"));
        Assert.Empty(cut.FindAll("[data-testid=token-probabilities-error]"));
        Assert.Equal(Reasoning("plain"), cut.Find("[data-testid=reasoning-body]").TextContent);
    }

    [Fact]
    public async Task A_corrupt_payload_shows_the_warning_keeps_the_transcript_readable_and_the_rating_works()
    {
        var good = RunLogprobs.Encode(GeneratedTokens.ReasoningAndAnswer(Reasoning("broken"), 0.3, Answer("broken"), 0.95));
        var truncated = good[..^3];
        var runId = AddRun("broken", truncated);
        var cut = OpenQueue();
        cut.WaitForElement("[data-testid=token-probabilities-toggle]");

        Press(cut, "t", "KeyT");

        var error = cut.WaitForElement("[data-testid=token-probabilities-error]");
        Assert.Contains("ends inside", error.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=token]"));
        Assert.Equal(Reasoning("broken"), cut.Find("[data-testid=reasoning-body]").TextContent);
        Assert.Equal(Answer("broken"), cut.Find("[data-testid=answer-body]").TextContent.Trim());

        Press(cut, "2", "Digit2");
        Press(cut, "Enter", "Enter");
        cut.WaitForElement("[data-testid=queue-done]");
        await using var db = Db.CreateDbContext();
        var rating = await db.Ratings.SingleAsync();
        Assert.Equal((runId, 2), (rating.RunId, rating.ReasoningScore!.Value));
        // Showing it did not touch what is stored.
        Assert.Equal(truncated, (await db.RunLogprobs.SingleAsync(l => l.RunId == runId)).Payload);
    }
}
