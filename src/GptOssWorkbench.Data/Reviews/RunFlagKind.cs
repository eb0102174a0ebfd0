namespace GptOssWorkbench.Data.Reviews;

/// <summary>Why a reviewer flagged a run. Stored by name (see <see cref="WorkbenchDbContext"/>'s conventions).</summary>
public enum RunFlagKind
{
    /// <summary>Harmful or dangerous content in the reasoning or the answer.</summary>
    Unsafe,

    /// <summary>Personal data (names, addresses, ids) that must not leave the workspace.</summary>
    Pii,

    Other,
}

public static class RunFlagKinds
{
    /// <summary>The word pages, exports and the audit log use: "unsafe", "PII", "other".</summary>
    public static string Label(this RunFlagKind kind) => kind switch
    {
        RunFlagKind.Unsafe => "unsafe",
        RunFlagKind.Pii => "PII",
        RunFlagKind.Other => "other",
        _ => kind.ToString(),
    };

    /// <summary>The kinds for a message that lists them: "unsafe, PII or other".</summary>
    public static string Choices { get; } = "unsafe, PII or other";
}
