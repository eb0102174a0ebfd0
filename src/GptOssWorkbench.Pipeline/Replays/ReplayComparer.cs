namespace GptOssWorkbench.Pipeline.Replays;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Compares a finished replay with its original from what both stored: the token ids (RunLogprobs holds every
/// generated token, headers included) when both recorded them, else the messages' text channel by channel. Pure:
/// the verdict is computed from the stored rows each time it is shown rather than stored itself, so it can never
/// disagree with the outputs it describes (an edit of the original's stored output shows up at once).
/// </summary>
public static class ReplayComparer
{
    /// <summary>How much of each output the side-by-side view shows from the divergence on.</summary>
    public const int SideBySideChars = 1500;

    private const int ExcerptChars = 40;

    public static ReplayVerdict Compare(Run original, IReadOnlyList<int>? originalTokens, Run replay, IReadOnlyList<int>? replayTokens,
        HarmonyTokenizer tokenizer)
    {
        var findings = Findings(original.Manifest, replay.Manifest);
        var basis = originalTokens is not null && replayTokens is not null ? ReplayBasis.TokenIds : ReplayBasis.TextPerChannel;
        if (!replay.IsFinished)
            return new ReplayVerdict(ReplayOutcome.Pending, basis, null, findings);
        if (replay.Status != RunStatus.Succeeded)
            return new ReplayVerdict(ReplayOutcome.ReplayFailed, basis, null, findings, Error: replay.Error ?? replay.Status.ToString().ToLowerInvariant());
        return basis == ReplayBasis.TokenIds
            ? CompareTokens(originalTokens!, replayTokens!, findings, tokenizer)
            : CompareText(Ordered(original.Messages), Ordered(replay.Messages), findings);
    }

    private static List<string> Findings(RunManifest original, RunManifest replay)
    {
        var findings = new List<string>();
        if (original.WeightsFingerprint != replay.WeightsFingerprint)
            findings.Add($"The replay ran on other weights: fingerprint {Short(replay.WeightsFingerprint)}, the original {Short(original.WeightsFingerprint)}.");
        if (original.PromptTokensSha256 != replay.PromptTokensSha256)
            findings.Add($"The replay's prompt tokens differ from the original's (SHA-256 {Short(replay.PromptTokensSha256)} vs {Short(original.PromptTokensSha256)}): "
                + "the tokenizer, the harmony renderer or the stored prompt changed.");
        if (original.EngineVersion != replay.EngineVersion)
            findings.Add($"Engine version {replay.EngineVersion ?? "unknown"} (the original: {original.EngineVersion ?? "unknown"}).");
        if (original.Device != replay.Device)
            findings.Add($"Device {replay.Device ?? "unknown"} (the original: {original.Device ?? "unknown"}).");
        return findings;
    }

    private static ReplayVerdict CompareTokens(IReadOnlyList<int> expected, IReadOnlyList<int> actual, List<string> findings, HarmonyTokenizer tokenizer)
    {
        var common = Math.Min(expected.Count, actual.Count);
        var at = 0;
        while (at < common && expected[at] == actual[at]) at++;
        if (at == expected.Count && at == actual.Count)
            return new ReplayVerdict(ReplayOutcome.Identical, ReplayBasis.TokenIds, null, findings);

        // Where in the completion the position is: replay the original's tokens before it through the harmony parser.
        var parser = new HarmonyStreamParser(tokenizer);
        for (var i = 0; i < at; i++) parser.Feed(expected[i]);
        var channel = parser.InsideMessage ? parser.CurrentChannel ?? "no channel" : null;
        string TokenText(IReadOnlyList<int> tokens) => at < tokens.Count ? tokenizer.Decode([tokens[at]]) : "";
        var divergence = new ReplayDivergence(at, parser.Messages.Count, null, channel, TokenText(expected), TokenText(actual));
        return new ReplayVerdict(ReplayOutcome.Diverged, ReplayBasis.TokenIds, divergence, findings,
            Clip(tokenizer.Decode(expected.Skip(at))), Clip(tokenizer.Decode(actual.Skip(at))));
    }

    private static ReplayVerdict CompareText(IReadOnlyList<Message> expected, IReadOnlyList<Message> actual, List<string> findings)
    {
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            var e = i < expected.Count ? expected[i] : null;
            var a = i < actual.Count ? actual[i] : null;
            if (e is not null && a is not null && e.Channel == a.Channel && e.Recipient == a.Recipient && e.Content == a.Content)
                continue;
            // Same channel: the first differing character; another channel (or a missing message): the message's start.
            var offset = e is not null && a is not null && e.Channel == a.Channel && e.Recipient == a.Recipient
                ? CommonPrefix(e.Content, a.Content) : 0;
            var divergence = new ReplayDivergence(null, i, offset, (e ?? a)!.Channel,
                Excerpt(e, offset), Excerpt(a, offset));
            return new ReplayVerdict(ReplayOutcome.Diverged, ReplayBasis.TextPerChannel, divergence, findings,
                Clip(Rest(expected, i, offset)), Clip(Rest(actual, i, offset)));
        }
        return new ReplayVerdict(ReplayOutcome.Identical, ReplayBasis.TextPerChannel, null, findings);
    }

    private static List<Message> Ordered(IEnumerable<Message> messages) => messages.OrderBy(m => m.Order).ThenBy(m => m.Id).ToList();

    private static int CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    private static string Excerpt(Message? message, int offset)
    {
        if (message is null) return "";
        var text = message.Content[Math.Min(offset, message.Content.Length)..];
        var excerpt = text.Length > ExcerptChars ? text[..ExcerptChars] + "…" : text;
        // The channel is part of what differs when the message is another one: say it.
        return offset == 0 ? $"[{message.Channel ?? "no channel"}] {excerpt}" : excerpt;
    }

    /// <summary>The output from message <paramref name="index"/>, character <paramref name="offset"/>, with channel markers.</summary>
    private static string Rest(IReadOnlyList<Message> messages, int index, int offset)
    {
        var parts = new List<string>();
        for (var i = index; i < messages.Count; i++)
        {
            var m = messages[i];
            var text = i == index ? m.Content[Math.Min(offset, m.Content.Length)..] : m.Content;
            parts.Add(i == index && offset > 0 ? text : $"[{m.Channel ?? "no channel"}] {text}");
        }
        return string.Join("\n", parts);
    }

    private static string Clip(string text) => text.Length > SideBySideChars ? text[..SideBySideChars] + "…" : text;

    private static string Short(string? hash) => hash is null ? "none" : hash.Length > 12 ? hash[..12] : hash;
}
