namespace GptOssWorkbench.Pipeline.Replays;

/// <summary>
/// Whether a run can be replayed now. <see cref="Refusal"/> set: it cannot, and says why. <see cref="Warnings"/>:
/// it can, but identity is not guaranteed (a remote engine, no recorded seed) or cannot be fully checked.
/// </summary>
public sealed record ReplayCheck(long RunId, string? Refusal, IReadOnlyList<string> Warnings)
{
    public bool Allowed => Refusal is null;
}

/// <summary>A replay that was refused; the message says why (shown as is).</summary>
public sealed class ReplayRefusedException(string message) : InvalidOperationException(message);
