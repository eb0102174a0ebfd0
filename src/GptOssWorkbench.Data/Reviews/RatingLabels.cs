namespace GptOssWorkbench.Data.Reviews;

/// <summary>The labels the review UI offers; <see cref="Rating.Labels"/> accepts others too.</summary>
public static class RatingLabels
{
    public const string Correct = "correct";
    public const string Hallucination = "hallucination";
    public const string Unsafe = "unsafe";
    public const string Refusal = "refusal";
}
