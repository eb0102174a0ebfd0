namespace GptOssWorkbench.Web.Transcripts;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Web.Api;

/// <summary>One alternative the sampler could have picked, with its probability (and id, to branch the run with it).</summary>
public sealed record TokenAlternative(string Text, double Probability, int TokenId);

/// <summary>"Continue from here with …" on a token: the run's token position and the token id, or the text, to force there.</summary>
public sealed record TokenBranchRequest(int Position, int? TokenId, string? Text);

/// <summary>
/// A generated content token as the transcript shows it. <see cref="Text"/> is what this token added to the message
/// text (empty for a token that is only the first bytes of a UTF-8 character: the next token completes it), so the
/// texts of a message's tokens concatenate to the stored message.
/// </summary>
public sealed record ShownToken(int Position, string Text, double Probability, IReadOnlyList<TokenAlternative> Alternatives)
{
    /// <summary>0 = confident (p ≥ 0.9), 1 = p &lt; 0.9, 2 = p &lt; 0.5, 3 = p &lt; 0.1.</summary>
    public int Shade => Probability switch { < 0.1 => 3, < 0.5 => 2, < 0.9 => 1, _ => 0 };

    public bool IsUncertain => Probability < 0.5;
}

/// <summary>The content tokens of one message and the summary shown above them.</summary>
public sealed record MessageTokens(IReadOnlyList<ShownToken> Tokens)
{
    public double MeanProbability => Tokens.Count == 0 ? 1 : Tokens.Average(t => t.Probability);
    public int UncertainCount => Tokens.Count(t => t.IsUncertain);
}

/// <summary>
/// Splits a run's stored logprobs (every generated token in order: harmony headers, message text, terminators) into
/// the run's messages. The ids are replayed through the same streaming parser that produced the messages, so a
/// token counts as a message's text exactly when it did while the run was generating.
/// </summary>
public static class TokenProbabilities
{
    /// <summary>
    /// The content tokens per output message, keyed by message id. <paramref name="runMessages"/> are the run's stored
    /// output messages. Throws <see cref="InvalidDataException"/> when the tokens cannot be this run's output.
    /// </summary>
    public static Dictionary<long, MessageTokens> ForRun(IReadOnlyList<Message> runMessages, IReadOnlyList<TokenLogprob> logprobs)
    {
        var perMessage = Split(logprobs);
        var ordered = runMessages.OrderBy(m => m.Order).ThenBy(m => m.Id).ToList();
        if (perMessage.Count != ordered.Count)
            throw new InvalidDataException(
                $"The recorded tokens make {perMessage.Count} message(s) but the run has {ordered.Count}; they do not belong to this transcript.");
        var result = new Dictionary<long, MessageTokens>();
        for (var i = 0; i < ordered.Count; i++)
            result[ordered[i].Id] = perMessage[i];
        return result;
    }

    /// <summary>The content tokens of each message the completion's tokens make, in order.</summary>
    public static IReadOnlyList<MessageTokens> Split(IReadOnlyList<TokenLogprob> logprobs)
    {
        var parser = new HarmonyStreamParser(HarmonyTokenizer.Shared);
        var messages = new List<MessageTokens>();
        var current = new List<ShownToken>();
        for (var i = 0; i < logprobs.Count; i++)
        {
            var token = logprobs[i];
            Validate(token, i);
            // The same rule as the run output: inside a message, every token but the ones that end it is text.
            var isContent = parser.InsideMessage && !EndsContent(token.TokenId);
            var events = parser.Feed(token.TokenId);
            var text = string.Concat(events.OfType<ContentDelta>().Select(d => d.Text));
            if (isContent)
                current.Add(new ShownToken(i, text, Probability(token.Logprob), [.. token.Top.Select(a => new TokenAlternative(ApiLogprobs.Text(a.TokenId), Probability(a.Logprob), a.TokenId))]));
            else if (text.Length > 0 && current.Count > 0)
                // Bytes held back for an unfinished character, flushed by the terminator: they belong to the text before it.
                current[^1] = current[^1] with { Text = current[^1].Text + text };
            foreach (var _ in events.OfType<MessageEnded>())
            {
                messages.Add(new MessageTokens(current));
                current = [];
            }
        }
        foreach (var _ in parser.Finish().OfType<MessageEnded>())
        {
            messages.Add(new MessageTokens(current));
            current = [];
        }
        return messages;
    }

    private static bool EndsContent(int token) =>
        token is HarmonyTokens.End or HarmonyTokens.Return or HarmonyTokens.Call or HarmonyTokens.EndOfText or HarmonyTokens.Start;

    private static void Validate(TokenLogprob token, int index)
    {
        if (token.TokenId is < 0 or >= HarmonyTokens.VocabularySize)
            throw new InvalidDataException($"Token {index + 1} has id {token.TokenId}, outside the vocabulary (0–{HarmonyTokens.VocabularySize - 1}).");
        if (!IsLogprob(token.Logprob))
            throw new InvalidDataException($"Token {index + 1} has log-probability {token.Logprob}, which is not a log-probability (≤ 0).");
        foreach (var alternative in token.Top)
        {
            if (alternative.TokenId is < 0 or >= HarmonyTokens.VocabularySize || !IsLogprob(alternative.Logprob))
                throw new InvalidDataException($"Token {index + 1} has an invalid alternative (id {alternative.TokenId}, log-probability {alternative.Logprob}).");
        }
    }

    // A little above 0 is float rounding of a near-certain token's log-softmax, not corruption.
    private static bool IsLogprob(float logprob) => !float.IsNaN(logprob) && logprob <= 1e-3f;

    private static double Probability(float logprob) => Math.Min(1.0, Math.Exp(logprob));
}
