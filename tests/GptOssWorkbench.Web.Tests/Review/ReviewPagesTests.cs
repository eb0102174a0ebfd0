namespace GptOssWorkbench.Web.Tests.Review;

using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Review;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;

public sealed class ReviewPagesTests : DatabaseComponentTest
{
    [Fact]
    public async Task Transcript_page_saves_a_rating_with_labels_a_tag_and_a_comment()
    {
        var run = Db.AddRun("2+2?", "Two plus two is four.", "**4**");
        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForElement("[data-testid=rating-editor]");

        cut.FindAll("[data-testid=reasoning-rating] .mud-rating-item")[3].Click();
        cut.FindAll("[data-testid=answer-rating] .mud-rating-item")[4].Click();
        cut.Find("[data-testid=label-correct]").Click();
        cut.Find("[data-testid=save-rating]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=rating-row]")));

        cut.Find("[data-testid=new-tag]").Input("arithmetic");
        cut.Find("[data-testid=new-tag]").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Equal("arithmetic", cut.Find("[data-testid=tag]").TextContent.Trim()));

        cut.Find("[data-testid=new-comment]").Input("Clean <em>answer</em>");
        cut.Find("[data-testid=add-comment]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Clean <em>answer</em>", cut.Find("[data-testid=comment]").TextContent));

        await using var db = Db.CreateDbContext();
        var rating = await db.Ratings.SingleAsync();
        Assert.Equal((4, 5), (rating.ReasoningScore!.Value, rating.AnswerScore!.Value));
        Assert.Equal(["correct"], rating.Labels);
        Assert.Equal(CurrentReviewer.LocalUserId, rating.ReviewerUserId);
        Assert.Equal("arithmetic", (await db.Tags.SingleAsync()).Name);
    }

    [Fact]
    public void A_viewer_reads_the_transcript_and_ratings_but_gets_no_editors()
    {
        var run = Db.AddRun("2+2?", "Two plus two is four.", "**4**");
        // The real CurrentReviewer refuses viewers; the page must show the transcript read-only instead of failing.
        Authorization.SetAuthorized("viewer@example.test");
        Authorization.SetClaims(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, "viewer-1"));
        Authorization.SetPolicies(GptOssWorkbench.Web.Accounts.WorkbenchPolicies.Viewer);

        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, run.Id));

        cut.WaitForElement("[data-testid=read-only-note]");
        Assert.Contains("Two plus two is four.", cut.Find("[data-testid=transcript]").TextContent);
        foreach (var editor in new[] { "rating-editor", "save-rating", "new-tag", "new-comment", "annotate-selection" })
            Assert.Empty(cut.FindAll($"[data-testid={editor}]"));
    }

    [Fact]
    public async Task A_reviewer_sees_other_reviewers_ratings_only_after_saving_their_own()
    {
        var run = Db.AddRun("2+2?", "Two plus two is four.", "4");
        await using (var db = Db.CreateDbContext())
        {
            db.Users.Add(new GptOssWorkbench.Data.Workspaces.User { Id = "other", Name = "Other Reviewer", Email = "o@x", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        await ReviewActions.SaveRatingAsync(Db, run.Id, "other", 1, 1, ["hallucination"]);

        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForElement("[data-testid=ratings-hidden]");
        Assert.Empty(cut.FindAll("[data-testid=rating-row]"));
        Assert.DoesNotContain("Other Reviewer", cut.Markup);

        cut.FindAll("[data-testid=answer-rating] .mud-rating-item")[4].Click();
        cut.Find("[data-testid=save-rating]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=rating-row]").Count));
        Assert.Contains("Other Reviewer: reasoning 1, answer 1", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=ratings-hidden]"));
    }

    [Fact]
    public void Missing_run_says_so()
    {
        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, 999));
        cut.WaitForAssertion(() => Assert.Contains("Run 999 does not exist", cut.Find("[data-testid=run-missing]").TextContent));
    }

    [Fact]
    public async Task Review_queue_rates_with_the_keyboard_and_walks_through_unrated_runs_in_batch_order()
    {
        var batch = Db.AddBatch("quiz");
        var first = Db.AddRun("first", "r1", "a1", batchId: batch);
        var second = Db.AddRun("second", "r2", "a2", batchId: batch);
        Db.AddRun("still running", "r3", "", batchId: batch, status: GptOssWorkbench.Data.Runs.RunStatus.Running);
        var cut = Render<ReviewQueuePage>(p => p.Add(c => c.BatchId, batch));
        cut.WaitForAssertion(() => Assert.Equal("2 left", cut.Find("[data-testid=queue-remaining]").TextContent));
        Assert.Contains("first", cut.Find("[data-testid=transcript]").TextContent);

        var queue = cut.Find("[data-testid=review-queue]");
        queue.KeyDown(new KeyboardEventArgs { Key = "3", Code = "Digit3" });
        queue.KeyDown(new KeyboardEventArgs { Key = "#", Code = "Digit2", ShiftKey = true });
        queue.KeyDown(new KeyboardEventArgs { Key = "h", Code = "KeyH" });
        // Copying a passage (Ctrl+C) and browser shortcuts with Alt or Meta neither rate, label nor save the run.
        cut.Find("[data-testid=review-queue]").KeyDown(new KeyboardEventArgs { Key = "c", Code = "KeyC", CtrlKey = true });
        cut.Find("[data-testid=review-queue]").KeyDown(new KeyboardEventArgs { Key = "4", Code = "Digit4", AltKey = true });
        cut.Find("[data-testid=review-queue]").KeyDown(new KeyboardEventArgs { Key = "Enter", Code = "Enter", MetaKey = true });
        Assert.Equal("2 left", cut.Find("[data-testid=queue-remaining]").TextContent);
        cut.WaitForAssertion(() => Assert.Equal("3/5", cut.Find("[data-testid=reasoning-score]").TextContent));
        Assert.Equal("2/5", cut.Find("[data-testid=answer-score]").TextContent);
        cut.Find("[data-testid=review-queue]").KeyDown(new KeyboardEventArgs { Key = "Enter", Code = "Enter" });
        cut.WaitForAssertion(() => Assert.Equal("1 left", cut.Find("[data-testid=queue-remaining]").TextContent));
        Assert.Contains("second", cut.Find("[data-testid=transcript]").TextContent);
        Assert.Equal("–", cut.Find("[data-testid=reasoning-score]").TextContent);

        cut.Find("[data-testid=review-queue]").KeyDown(new KeyboardEventArgs { Key = "s", Code = "KeyS" });
        cut.WaitForElement("[data-testid=queue-done]");

        await using var db = Db.CreateDbContext();
        var rating = await db.Ratings.SingleAsync();
        Assert.Equal((first.Id, 3, 2), (rating.RunId, rating.ReasoningScore!.Value, rating.AnswerScore!.Value));
        Assert.Equal(["hallucination"], rating.Labels);
        Assert.False(await db.Ratings.AnyAsync(r => r.RunId == second.Id));
    }

    [Fact]
    public void Review_list_pages_runs_from_the_database_and_filters_by_search()
    {
        Db.AddRun("What is the capital of France?", "Europe", "Paris");
        Db.AddRun("Sum 2 and 2", "adding", "4");
        var cut = Render<ReviewPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=run-prompt]").Count));

        cut.Find("[data-testid=search]").Input("paris");
        cut.WaitForAssertion(() => Assert.Equal("What is the capital of France?", cut.Find("[data-testid=run-prompt]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=run-prompt]"));
    }
}
