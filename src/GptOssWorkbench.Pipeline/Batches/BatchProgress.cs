namespace GptOssWorkbench.Pipeline.Batches;

using GptOssWorkbench.Data.Batches;

/// <summary>A batch's progress as the batch page shows it.</summary>
/// <param name="TokensPerSecond">Output tokens of finished items per second of the batch's wall time so far.</param>
/// <param name="EstimatedRemaining">From the item rate so far; null until an item finished or when nothing is left.</param>
public sealed record BatchProgress(
    long BatchId, string Name, BatchStatus Status, int Total, int Done, int Succeeded, int Failed, int Cancelled, int Running, int Queued,
    double TokensPerSecond, TimeSpan? EstimatedRemaining, IReadOnlyList<BatchFailure> RecentFailures)
{
    public double Fraction => Total == 0 ? 1 : (double)Done / Total;
}

/// <summary>A failed item, for the failures list.</summary>
public sealed record BatchFailure(long RunId, int ItemOrder, int SourceLine, string? Error);

/// <summary>
/// Sampling settings shared by every item of a batch (the matrix varies model, effort, temperature, seed).
/// <paramref name="TopLogprobs"/>: null = no logprobs; 0 = each token's logprob; 1-20 = also that many alternatives.
/// </summary>
public sealed record BatchRunOptions(int? MaxTokens = null, double? TopP = null, IReadOnlyList<string>? Stop = null, int? TopLogprobs = null);
