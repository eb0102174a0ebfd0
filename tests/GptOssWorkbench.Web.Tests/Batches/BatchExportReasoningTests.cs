namespace GptOssWorkbench.Web.Tests.Batches;

using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Web.Tests.Infrastructure;

/// <summary>
/// An exporter whose role may not see reasoning gets files without it (the column stays, empty), in JSONL and CSV,
/// while the answer and everything else are exported as for anyone else.
/// </summary>
public sealed class BatchExportReasoningTests : IDisposable
{
    private const string Thought = "private chain of thought about the capital";
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private async Task<string> ExportAsync(long batch, bool jsonl, bool withReasoning)
    {
        using var output = new MemoryStream();
        await using (var db = _db.CreateDbContext())
        {
            if (jsonl)
                await BatchExporter.WriteJsonlAsync(db, batch, output, withReasoning: withReasoning);
            else
                await BatchExporter.WriteCsvAsync(db, batch, output, target: CsvTarget.Spreadsheet, withReasoning: withReasoning);
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public async Task Without_reasoning_the_jsonl_and_csv_exports_hold_no_reasoning_text_but_keep_the_answer()
    {
        var batch = _db.AddBatch("capitals");
        _db.AddRun("Capital of France?", Thought, "Paris", batchId: batch);

        var jsonlWith = await ExportAsync(batch, jsonl: true, withReasoning: true);
        var jsonlWithout = await ExportAsync(batch, jsonl: true, withReasoning: false);
        var csvWith = await ExportAsync(batch, jsonl: false, withReasoning: true);
        var csvWithout = await ExportAsync(batch, jsonl: false, withReasoning: false);

        Assert.Contains(Thought, jsonlWith);
        Assert.Contains(Thought, csvWith);
        Assert.DoesNotContain(Thought, jsonlWithout);
        Assert.DoesNotContain(Thought, csvWithout);
        var row = JsonDocument.Parse(jsonlWithout.Trim()).RootElement;
        Assert.Equal(JsonValueKind.Null, row.GetProperty("reasoning").ValueKind);
        Assert.Equal("Paris", row.GetProperty("answer").GetString());
        Assert.Contains("Paris", csvWithout);
        Assert.Equal(csvWith.Split('\n')[0], csvWithout.Split('\n')[0]);
    }
}
