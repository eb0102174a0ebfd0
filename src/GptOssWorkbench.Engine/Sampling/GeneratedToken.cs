namespace GptOssWorkbench.Engine.Sampling;

/// <summary>One produced token. <see cref="Finish"/> is set on the last token of a generation only.</summary>
public sealed record GeneratedToken(int Id, double? Logprob, IReadOnlyList<TokenLogprob> TopLogprobs, FinishReason? Finish, string? StopString = null);

public enum FinishReason
{
    /// <summary>A stop id was produced or the output came to contain a stop string.</summary>
    Stop,

    /// <summary>max_tokens reached, or the model's context is full.</summary>
    Length,
}
