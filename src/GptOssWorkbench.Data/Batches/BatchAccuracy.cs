namespace GptOssWorkbench.Data.Batches;

using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>Accuracy of one matrix setting over the items that have a reference answer.</summary>
/// <param name="Graded">Items whose run finished (succeeded, failed or cancelled).</param>
/// <param name="Pending">Items with a reference whose run has not finished (or not been created) yet.</param>
public record SettingAccuracy(string Model, ReasoningEffort? Effort, double? Temperature, int Graded, int Correct, int Pending)
{
    public int Wrong => Graded - Correct;
    public double? Fraction => Graded == 0 ? null : (double)Correct / Graded;
}

/// <summary>
/// Grades a batch per setting (model · effort · temperature) with <see cref="AnswerGrader"/>. The normalization is C#,
/// so the grading cannot run in SQL; instead one query fetches only what grading needs (coordinates, status, reference
/// and the final answer as a correlated subquery) for the items that have a reference, never whole rows or transcripts.
/// </summary>
public static class BatchAccuracy
{
    public static async Task<IReadOnlyList<SettingAccuracy>> ComputeAsync(WorkbenchDbContext db, long batchId,
        CancellationToken cancellationToken = default)
    {
        var answers = FinalAnswer.Messages(db.Messages);
        var rows = await db.BatchItems.AsNoTracking()
            .Where(i => i.BatchJobId == batchId && i.Expected != null)
            .Select(i => new
            {
                i.ModelName,
                i.ReasoningEffort,
                i.Temperature,
                Expected = i.Expected!,
                Status = i.Run == null ? (RunStatus?)null : i.Run.Status,
                Answer = i.Run == null ? null : answers.Where(m => m.RunId == i.Run.Id).Select(m => m.Content).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);

        return rows
            .GroupBy(r => (r.ModelName, r.ReasoningEffort, r.Temperature))
            .Select(setting =>
            {
                var grades = setting.Select(r => AnswerGrader.Grade(r.Expected, r.Status, r.Answer)).ToList();
                return new SettingAccuracy(setting.Key.ModelName, setting.Key.ReasoningEffort, setting.Key.Temperature,
                    Graded: grades.Count(g => g is not null), Correct: grades.Count(g => g == true), Pending: grades.Count(g => g is null));
            })
            .OrderBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.Effort).ThenBy(s => s.Temperature)
            .ToList();
    }
}
