namespace GptOssWorkbench.Web.Compare;

using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Review;
using Microsoft.EntityFrameworkCore;

/// <summary>Inter-rater agreement of one batch, for reasoning and answer scores separately.</summary>
public sealed record BatchAgreement(long BatchId, string BatchName, int Raters, int SharedRuns,
    double? ReasoningKappa, double? AnswerKappa, double ReasoningAlpha, double AnswerAlpha);

public static class AgreementReport
{
    /// <summary>
    /// Batches where at least two reviewers rated at least one common run. Cohen's kappa only when there are
    /// exactly two raters; Krippendorff's alpha (ordinal: the scores are ranks, not measured distances) always.
    /// </summary>
    public static async Task<List<BatchAgreement>> LoadAsync(IDbContextFactory<WorkbenchDbContext> dbFactory)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var ratings = await db.Ratings.AsNoTracking()
            .Where(r => r.Run!.BatchJobId != null)
            .Select(r => new RatingPoint(r.Run!.BatchJobId!.Value, r.Run.BatchJob!.Name, r.RunId, r.ReviewerUserId, r.ReasoningScore, r.AnswerScore))
            .ToListAsync();
        var result = new List<BatchAgreement>();
        foreach (var batch in ratings.GroupBy(r => (r.BatchId, r.BatchName)))
        {
            var raters = batch.Select(r => r.ReviewerUserId).Distinct().OrderBy(r => r).ToList();
            var units = batch.GroupBy(r => r.RunId).Where(u => u.Count() >= 2).ToList();
            if (raters.Count < 2 || units.Count == 0)
                continue;
            double? Kappa(Func<RatingPoint, int?> score)
            {
                if (raters.Count != 2)
                    return null;
                var pairs = units
                    .Select(u => (First: u.FirstOrDefault(r => r.ReviewerUserId == raters[0]), Second: u.FirstOrDefault(r => r.ReviewerUserId == raters[1])))
                    .Where(p => p.First is not null && p.Second is not null && score(p.First) is not null && score(p.Second) is not null)
                    .Select(p => (score(p.First!)!.Value, score(p.Second!)!.Value))
                    .ToList();
                var kappa = Agreement.CohensKappa(pairs);
                return double.IsNaN(kappa) ? null : kappa;
            }
            var reasoningUnits = units.Select(u => (IReadOnlyList<int>)u.Where(r => r.ReasoningScore is not null).Select(r => r.ReasoningScore!.Value).ToList());
            var answerUnits = units.Select(u => (IReadOnlyList<int>)u.Where(r => r.AnswerScore is not null).Select(r => r.AnswerScore!.Value).ToList());
            result.Add(new BatchAgreement(batch.Key.BatchId, batch.Key.BatchName, raters.Count, units.Count,
                Kappa(r => r.ReasoningScore), Kappa(r => r.AnswerScore),
                Agreement.KrippendorffsAlpha(reasoningUnits.ToList(), AgreementLevel.Ordinal),
                Agreement.KrippendorffsAlpha(answerUnits.ToList(), AgreementLevel.Ordinal)));
        }
        return result;
    }

    private sealed record RatingPoint(long BatchId, string BatchName, long RunId, string ReviewerUserId, int? ReasoningScore, int? AnswerScore);
}
