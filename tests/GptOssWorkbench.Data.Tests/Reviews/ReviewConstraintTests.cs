namespace GptOssWorkbench.Data.Tests.Reviews;

using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class ReviewConstraintTests
{
    [Theory]
    [InlineData(0, 3)]
    [InlineData(6, 3)]
    [InlineData(3, -1)]
    public async Task Scores_outside_one_to_five_are_rejected_by_the_database(int reasoning, int answer)
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var db = database.NewContext();
        var run = TestData.QueuedRun("p");
        run.Ratings.Add(new Rating { Reviewer = TestData.User("r"), ReasoningScore = reasoning, AnswerScore = answer, CreatedAt = TestData.Now, UpdatedAt = TestData.Now });
        db.Runs.Add(run);
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.Contains("CHECK constraint failed", error.InnerException!.Message);
    }

    [Fact]
    public async Task A_reviewer_rates_a_run_once_and_ratings_keep_both_scores_and_labels()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var reviewer = TestData.User("r");
            var run = TestData.QueuedRun("p");
            run.Ratings.Add(new Rating { Reviewer = reviewer, ReasoningScore = 2, AnswerScore = null, Labels = [RatingLabels.Hallucination, "off-topic"], CreatedAt = TestData.Now, UpdatedAt = TestData.Now });
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            run.Ratings.Add(new Rating { Reviewer = reviewer, ReasoningScore = 5, CreatedAt = TestData.Now, UpdatedAt = TestData.Now });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await using (var db = database.NewContext())
        {
            var rating = await db.Ratings.SingleAsync();
            Assert.Equal((2, (int?)null), (rating.ReasoningScore!.Value, rating.AnswerScore));
            Assert.Equal(["hallucination", "off-topic"], rating.Labels);
        }
    }

    [Theory]
    [InlineData(-1, 4)]
    [InlineData(5, 5)]
    [InlineData(6, 2)]
    public async Task Span_annotations_need_a_non_empty_forward_span(int start, int end)
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var db = database.NewContext();
        var run = TestData.QueuedRun("p");
        var reasoning = TestData.Output(Data.Conversations.MessageChannels.Analysis, "some reasoning", 0);
        run.Messages.Add(reasoning);
        run.Annotations.Add(new SpanAnnotation { Message = reasoning, StartOffset = start, EndOffset = end, Note = "n", Author = TestData.User("r"), CreatedAt = TestData.Now });
        db.Runs.Add(run);
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.Contains("CK_SpanAnnotations_Offsets", error.InnerException!.Message);
    }

    [Fact]
    public async Task A_comparison_needs_two_different_runs_and_stores_the_blind_layout()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var db = database.NewContext();
        var voter = TestData.User("v");
        var a = TestData.QueuedRun("same prompt", "model-a");
        var b = TestData.QueuedRun("same prompt", "model-b");
        db.AddRange(voter, a, b);
        await db.SaveChangesAsync();

        db.PairwiseComparisons.Add(new PairwiseComparison { RunA = a, RunB = a, Voter = voter, CreatedAt = TestData.Now });
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();

        db.PairwiseComparisons.Add(new PairwiseComparison { RunAId = a.Id, RunBId = b.Id, RunAShownLeft = false, VoterUserId = voter.Id, CreatedAt = TestData.Now });
        await db.SaveChangesAsync();
        var shown = await db.PairwiseComparisons.SingleAsync();
        shown.Vote = ComparisonVote.BothBad;
        shown.VotedAt = TestData.Now.AddSeconds(30);
        await db.SaveChangesAsync();

        await using var check = database.NewContext();
        var stored = await check.PairwiseComparisons.Include(c => c.RunB).SingleAsync();
        Assert.False(stored.RunAShownLeft);
        Assert.Equal(ComparisonVote.BothBad, stored.Vote);
        Assert.Equal("model-b", stored.RunB!.Manifest.ModelName);
    }
}
