namespace GptOssWorkbench.Data.Audit;

/// <summary>
/// One thing somebody did in the workspace: who, when, from where, what. Rows are only ever added:
/// <see cref="WorkbenchDbContext"/> refuses to save a changed or deleted entry, and no page offers either.
/// The actor's name and email are copied, not joined, so the record still reads right after the user is renamed
/// or removed.
/// </summary>
public class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    /// <summary>One of <see cref="AuditActions"/>.</summary>
    public string Action { get; set; } = "";

    /// <summary>The user's id, or null when nobody was signed in (a failed sign-in).</summary>
    public string? ActorId { get; set; }

    /// <summary>Email (or the address typed into the sign-in form) at the time of the action.</summary>
    public string Actor { get; set; } = "";

    /// <summary>The client's IP address as the server saw it (after forwarded headers, when configured).</summary>
    public string RemoteAddress { get; set; } = "";

    /// <summary>What was acted on, e.g. "user:a1b2", "model:gpt-oss-20b", "batch:12".</summary>
    public string Target { get; set; } = "";

    /// <summary>A sentence a reader understands without the code: "role viewer -> admin".</summary>
    public string Details { get; set; } = "";
}
