namespace GptOssWorkbench.Data.Runs;

/// <summary>The sampled token's log-probability and the most likely alternatives at that position.</summary>
public record TokenLogprob(int TokenId, float Logprob, IReadOnlyList<TopLogprob> Top);

public record TopLogprob(int TokenId, float Logprob);
