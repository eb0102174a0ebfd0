namespace GptOssWorkbench.Data.Runs;

/// <summary>How a branch run diverged from its parent (see <see cref="Run.BranchOfRunId"/>).</summary>
public enum BranchKind
{
    /// <summary>The parent's generated tokens before <see cref="Run.BranchPosition"/> (a token index), then a chosen token or text.</summary>
    ForcedToken,

    /// <summary>The parent's reasoning edited by hand (<see cref="Run.BranchPosition"/>: the edited text's length in characters), continued in the same analysis message.</summary>
    EditedReasoning,
}
