namespace GptOssWorkbench.Engine.Sampling;

using GptOssWorkbench.Engine.Model;

/// <summary>
/// Prefill + decode loop for one sequence: the prompt runs in one step, then one token per step through the
/// KV cache, each sampled by a <see cref="TokenSampler"/>. Tokens are yielded as soon as they exist.
/// </summary>
public sealed class TextGenerator(GptOssModel model)
{
    /// <summary>Generates after <paramref name="prompt"/> in a fresh cache that is released when the enumeration ends.</summary>
    public IEnumerable<GeneratedToken> Generate(IReadOnlyList<int> prompt, SamplingOptions options, TokenDecoder? decoder = null, CancellationToken cancellationToken = default)
    {
        Check(prompt, options, decoder);
        var sampler = new TokenSampler(options);
        return WithOwnCache(prompt.ToArray(), options, sampler, decoder, cancellationToken);
    }

    /// <summary>
    /// Generates after <paramref name="prompt"/>, appended to whatever <paramref name="cache"/> already holds (an
    /// earlier turn). The caller owns the cache. When generation ends, the cache holds the prompt and every produced
    /// token except the last, which was never fed back: a chat can replace it (harmony stores a final answer's
    /// &lt;|return|&gt; as &lt;|end|&gt;) before the next turn.
    /// </summary>
    public IEnumerable<GeneratedToken> Generate(KvCache cache, IReadOnlyList<int> prompt, SamplingOptions options, TokenDecoder? decoder = null, CancellationToken cancellationToken = default)
    {
        Check(prompt, options, decoder);
        var sampler = new TokenSampler(options);
        return Run(cache, prompt.ToArray(), options, sampler, decoder, cancellationToken);
    }

    private static void Check(IReadOnlyList<int> prompt, SamplingOptions options, TokenDecoder? decoder)
    {
        if (prompt.Count == 0) throw new ArgumentException("The prompt needs at least one token (gpt-oss has no BOS token).", nameof(prompt));
        if (options.StopStrings.Count > 0 && decoder is null) throw new ArgumentException("Stop strings need a token decoder.", nameof(decoder));
    }

    private IEnumerable<GeneratedToken> WithOwnCache(int[] prompt, SamplingOptions options, TokenSampler sampler, TokenDecoder? decoder, CancellationToken cancellationToken)
    {
        // Pre-size for the prompt and a typical answer; the full-attention layers grow by doubling beyond that.
        using var cache = model.CreateCache(Math.Min(prompt.Length + Math.Min(options.MaxTokens, 1024), model.Config.MaxPositionEmbeddings));
        foreach (var token in Run(cache, prompt, options, sampler, decoder, cancellationToken)) yield return token;
    }

    private IEnumerable<GeneratedToken> Run(KvCache cache, int[] prompt, SamplingOptions options, TokenSampler sampler, TokenDecoder? decoder, CancellationToken cancellationToken)
    {
        if (options.MaxTokens == 0) yield break;
        int contextLimit = model.Config.MaxPositionEmbeddings;
        var stopIds = options.StopTokenIds.ToHashSet();
        int longestStop = options.StopStrings.Count == 0 ? 0 : options.StopStrings.Max(s => s.Length);
        var generated = new List<int>();
        IReadOnlyList<int> next = prompt;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SampledToken token;
            using (var row = generated.Count == 0 ? model.Prefill(next, cache) : model.Forward(next, cache))
            {
                var readable = LogitsRow.Readable(row);
                try
                {
                    token = sampler.Sample(LogitsRow.Span(readable), prompt, generated);
                }
                finally
                {
                    if (!ReferenceEquals(readable, row)) readable.Dispose();
                }
            }
            generated.Add(token.Id);

            FinishReason? finish = null;
            string? stopString = null;
            if (stopIds.Contains(token.Id))
            {
                finish = FinishReason.Stop;
            }
            else if (longestStop > 0 && (stopString = FindStopString(options.StopStrings, decoder!, generated, longestStop)) is not null)
            {
                finish = FinishReason.Stop;
            }
            else if (generated.Count >= options.MaxTokens || cache.Length >= contextLimit)
            {
                finish = FinishReason.Length;
            }
            yield return new GeneratedToken(token.Id, token.Logprob, token.TopLogprobs, finish, stopString);
            if (finish is not null) yield break;
            next = [token.Id];
        }
    }

    /// <summary>
    /// Checks only the output's tail: a stop string of n characters spans at most n tokens (+ a few for
    /// characters split across tokens), and an earlier match would already have stopped generation.
    /// </summary>
    private static string? FindStopString(IReadOnlyList<string> stopStrings, TokenDecoder decoder, List<int> generated, int longestStop)
    {
        int tail = Math.Min(generated.Count, longestStop + 4);
        var text = decoder(generated.GetRange(generated.Count - tail, tail));
        return stopStrings.FirstOrDefault(s => text.Contains(s, StringComparison.Ordinal));
    }
}
