namespace GptOssWorkbench.Web.Audit;

using GptOssWorkbench.Data.Audit;

/// <summary>What the admin narrows the audit log to. Dates are whole UTC days, both ends included.</summary>
public sealed record AuditFilter(string? Action = null, string? Actor = null, DateOnly? From = null, DateOnly? To = null)
{
    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> entries)
    {
        if (!string.IsNullOrWhiteSpace(Action))
            entries = entries.Where(e => e.Action == Action);
        if (!string.IsNullOrWhiteSpace(Actor))
        {
            // Lower-cased on both sides: SQLite's LIKE and PostgreSQL's LIKE differ in case sensitivity.
            var actor = Actor.Trim().ToLowerInvariant();
            entries = entries.Where(e => e.Actor.ToLower().Contains(actor));
        }
        if (From is { } from)
        {
            var start = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            entries = entries.Where(e => e.At >= start);
        }
        if (To is { } to)
        {
            var end = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            entries = entries.Where(e => e.At < end);
        }
        return entries;
    }
}
