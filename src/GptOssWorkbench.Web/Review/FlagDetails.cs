namespace GptOssWorkbench.Web.Review;

using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Reviews;

/// <summary>The sentences an export's audit entries say about flagged runs.</summary>
public static class FlagDetails
{
    /// <summary>Runs named one by one in an entry; past that a count, so a huge batch still fits the entry's 2,000 characters.</summary>
    public const int MaxListed = 40;

    /// <summary>"3 flagged runs: run 5 (unsafe), run 7 (PII), run 9 (other)".</summary>
    public static string Included(BatchExportSummary summary)
    {
        var runs = summary.FlaggedIncluded;
        var listed = string.Join(", ", runs.Take(MaxListed).Select(r => $"run {r.RunId} ({r.Kind.Label()})"));
        var more = runs.Count > MaxListed ? $" and {runs.Count - MaxListed} more" : "";
        return $"{runs.Count} flagged run{(runs.Count == 1 ? "" : "s")}: {listed}{more}";
    }

    /// <summary>"; 2 flagged runs left out", or nothing when none were.</summary>
    public static string LeftOut(BatchExportSummary summary) => summary.FlaggedLeftOut switch
    {
        0 => "",
        1 => "; 1 flagged run left out",
        var n => $"; {n} flagged runs left out",
    };
}
