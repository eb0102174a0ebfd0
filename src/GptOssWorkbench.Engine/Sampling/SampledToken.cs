namespace GptOssWorkbench.Engine.Sampling;

/// <summary>A chosen token, with its log-probability and the most likely alternatives when asked for.</summary>
public sealed record SampledToken(int Id, double? Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);

public readonly record struct TokenLogprob(int Id, double Logprob);
