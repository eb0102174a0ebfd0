namespace GptOssWorkbench.Pipeline.Branches;

using GptOssWorkbench.Data.Runs;

/// <summary>A branch refused before it was created; the message says why (shown as is).</summary>
public sealed class BranchRefusedException(string message) : InvalidOperationException(message);

/// <summary>One branch link: <paramref name="RunId"/> diverged from <paramref name="ParentRunId"/> as <paramref name="Description"/> says.</summary>
public sealed record BranchEntry(long RunId, long ParentRunId, BranchKind Kind, int Position, string Description, RunStatus Status);

/// <summary>The branch side of a run's transcript: what it is a branch of (if anything) and its own branches, newest first.</summary>
public sealed record RunBranches(long RunId, BranchEntry? BranchOf, IReadOnlyList<BranchEntry> Branches);
