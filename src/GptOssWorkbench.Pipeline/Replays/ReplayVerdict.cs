namespace GptOssWorkbench.Pipeline.Replays;

/// <summary>How a replay's output compares with its original's.</summary>
public enum ReplayOutcome
{
    /// <summary>The replay has not finished yet.</summary>
    Pending,

    /// <summary>The replay ended failed or cancelled: there is no complete output to compare.</summary>
    ReplayFailed,

    Identical,
    Diverged,
}

/// <summary>What was compared: the stored token ids (exact), or the stored message texts per channel (when no ids were recorded).</summary>
public enum ReplayBasis
{
    TokenIds,
    TextPerChannel,
}

/// <summary>
/// Where a diverged replay first differs. With token ids: <see cref="TokenIndex"/> is the position in the completion
/// (harmony headers included) and the texts are the two tokens. With text: <see cref="MessageIndex"/> and
/// <see cref="CharacterOffset"/> locate it, and the texts are short excerpts from there. An empty text means that
/// side ended there.
/// </summary>
public sealed record ReplayDivergence(int? TokenIndex, int MessageIndex, int? CharacterOffset, string? Channel, string Expected, string Actual);

/// <param name="Findings">Differences in the recorded manifests that explain (or should prevent) identity: another weights
/// fingerprint, prompt, engine version or device. They are findings in their own right, so they are shown even when
/// the output is identical.</param>
/// <param name="OriginalFromThere">The original's output from the divergence on (for the side-by-side view).</param>
/// <param name="ReplayFromThere">The replay's output from the divergence on.</param>
public sealed record ReplayVerdict(
    ReplayOutcome Outcome, ReplayBasis Basis, ReplayDivergence? Divergence, IReadOnlyList<string> Findings,
    string OriginalFromThere = "", string ReplayFromThere = "", string? Error = null)
{
    public string BasisText => Basis == ReplayBasis.TokenIds ? "token ids" : "text per channel (no token ids were recorded)";

    /// <summary>One line for lists and the batch summary.</summary>
    public string Summary => Outcome switch
    {
        ReplayOutcome.Pending => "replay not finished yet",
        ReplayOutcome.ReplayFailed => $"replay did not finish: {Error}",
        ReplayOutcome.Identical => Basis == ReplayBasis.TokenIds ? "identical token for token" : "identical text in every channel",
        _ when Divergence is { TokenIndex: { } token } d => $"diverged at token {token} ({d.Channel ?? "header"})",
        _ when Divergence is { } d => $"diverged in message {d.MessageIndex + 1} ({d.Channel ?? "no channel"}) at character {d.CharacterOffset}",
        _ => "diverged",
    };
}
