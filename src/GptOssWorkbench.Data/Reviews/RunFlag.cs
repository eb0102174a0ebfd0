namespace GptOssWorkbench.Data.Reviews;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

/// <summary>
/// A reviewer's mark that a run holds unsafe content, personal data or something else that must not travel: flagged
/// runs are left out of exports unless the exporter asks for them.
/// <para>
/// One current flag per run (the run id is the key), not one per reviewer: "is this run flagged?" then has one answer,
/// which is what exports, lists and filters need, and nobody has to reconcile several reviewers' kinds. The flagger can
/// change their flag; anyone else sees who set it, and only the flagger or an admin can remove it.
/// </para>
/// </summary>
public class RunFlag
{
    /// <summary>Long enough for a sentence or two on why; a report belongs in a comment.</summary>
    public const int MaxNoteLength = 500;

    public long RunId { get; set; }
    public Run? Run { get; set; }

    public RunFlagKind Kind { get; set; }

    /// <summary>Why, in the flagger's words; null when they gave none.</summary>
    public string? Note { get; set; }

    public string FlaggedByUserId { get; set; } = "";
    public User? FlaggedBy { get; set; }

    public DateTime FlaggedAt { get; set; }

    /// <summary>The reason <paramref name="kind"/> and <paramref name="note"/> cannot be stored, or null when they can.</summary>
    public static string? Problem(RunFlagKind kind, string? note)
    {
        if (!Enum.IsDefined(kind))
            return $"Unknown flag kind '{kind}': a run is flagged as {RunFlagKinds.Choices}.";
        if (note is not null && note.Trim().Length > MaxNoteLength)
            return $"The flag's note is {note.Trim().Length} characters long; keep it to {MaxNoteLength} (longer explanations fit a comment).";
        return null;
    }

    /// <summary>The note as stored: trimmed, and null when it is blank.</summary>
    public static string? CleanNote(string? note) => string.IsNullOrWhiteSpace(note) ? null : note.Trim();
}
