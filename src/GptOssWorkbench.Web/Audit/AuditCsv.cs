namespace GptOssWorkbench.Web.Audit;

using System.Globalization;
using CsvHelper;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Batches;

/// <summary>The audit log as a spreadsheet file.</summary>
public static class AuditCsv
{
    private static readonly string[] Header = ["time_utc", "action", "actor", "actor_id", "remote_address", "target", "details"];

    public static async Task WriteAsync(IAsyncEnumerable<AuditEntry> entries, Stream output, CancellationToken cancellationToken)
    {
        // Made for spreadsheets, and its cells hold text people typed (an email at a failed sign-in, a model name):
        // formula-like text is quoted the same way as in the batch export, so a spreadsheet shows it instead of running it.
        var options = new CsvWriterOptions { Injection = CsvInjection.None };
        await using var csv = CsvWriter.Create(output, options, leaveOpen: true);
        csv.WriteHeader(Header);
        await foreach (var e in entries.WithCancellation(cancellationToken))
        {
            await csv.WriteRecordAsync(
                new[] { e.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Action, e.Actor, e.ActorId ?? "", e.RemoteAddress, e.Target, e.Details }
                    .Select(SpreadsheetCells.Neutralise).ToArray(),
                cancellationToken);
        }
        await csv.FlushAsync(cancellationToken);
    }
}
