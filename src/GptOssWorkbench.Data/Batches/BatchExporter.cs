namespace GptOssWorkbench.Data.Batches;

using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Writes a batch's results as JSONL or CSV with the same columns (<see cref="Columns"/>). In JSONL the
/// metadata is a nested object and stop a list; in CSV both are JSON text in their cell. Items are read
/// in pages, so a 100,000-item batch does not sit in memory.
/// <para>
/// Items whose run is flagged (<see cref="Reviews.RunFlag"/>: unsafe, PII, other) are left out unless the exporter asks
/// for them (<c>includeFlagged</c>); then their <c>flag</c> and <c>flag_note</c> columns say why they were flagged. The
/// columns are there in every file (empty for unflagged runs), so files keep one shape whoever exports them.
/// </para>
/// </summary>
public static class BatchExporter
{
    private const int PageSize = 500;
    private const string ReasoningColumn = "reasoning";

    private sealed record Column(string Name, Func<BatchExportRow, object?> Value);

    /// <summary>A value that already is JSON (the metadata object): nested as is in JSONL, its text in CSV.</summary>
    private sealed record RawJson(string Json);

    private static readonly Column[] Columns =
    [
        new("batch_id", r => r.BatchId),
        new("item", r => r.ItemOrder),
        new("source_line", r => r.SourceLine),
        new("id", r => r.ExternalId),
        new("prompt", r => r.Prompt),
        new("system", r => r.System),
        new("developer", r => r.Developer),
        new("metadata", r => new RawJson(r.MetadataJson)),
        new("repeat", r => r.Repeat),
        new("run_id", r => r.RunId),
        new("status", r => r.Status),
        new(ReasoningColumn, r => r.Reasoning),
        new("commentary", r => r.Commentary),
        new("answer", r => r.Answer),
        new("expected", r => r.Expected),
        new("correct", r => r.Correct),
        new("finish_reason", r => r.FinishReason),
        new("error", r => r.Error),
        new("prompt_tokens", r => r.PromptTokens),
        new("output_tokens", r => r.OutputTokens),
        new("reasoning_tokens", r => r.ReasoningTokens),
        new("time_to_first_token_ms", r => r.TimeToFirstTokenMs),
        new("tokens_per_second", r => r.TokensPerSecond),
        new("started_at", r => r.StartedAt),
        new("finished_at", r => r.FinishedAt),
        new("attempts", r => r.AttemptCount),
        new("model", r => r.Model),
        new("weights_fingerprint", r => r.WeightsFingerprint),
        new("engine_version", r => r.EngineVersion),
        new("device", r => r.Device),
        new("reasoning_effort", r => r.ReasoningEffort),
        new("temperature", r => r.Temperature),
        new("top_p", r => r.TopP),
        new("top_k", r => r.TopK),
        new("min_p", r => r.MinP),
        new("repetition_penalty", r => r.RepetitionPenalty),
        new("presence_penalty", r => r.PresencePenalty),
        new("frequency_penalty", r => r.FrequencyPenalty),
        new("max_tokens", r => r.MaxTokens),
        new("stop", r => r.Stop),
        new("seed", r => r.Seed),
        new("prompt_token_count", r => r.PromptTokenCount),
        new("prompt_tokens_sha256", r => r.PromptTokensSha256),
        new("flag", r => r.Flag),
        new("flag_note", r => r.FlagNote),
    ];

    /// <summary>Keeps non-ASCII text and &lt; &gt; readable in files (the output is not embedded in HTML).</summary>
    private static readonly JsonSerializerOptions ReadableJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<string> ColumnNames { get; } = Columns.Select(c => c.Name).ToArray();

    /// <summary>
    /// JSONL also carries a <c>logprobs</c> field for runs that recorded them: every generated token (harmony headers
    /// included, so the ids replay the whole completion) as {token_id, token, logprob, top: [{token_id, token, logprob}]}.
    /// It is not a CSV column: a list per token does not fit a cell. <paramref name="tokenText"/> decodes an id (the
    /// data layer knows no tokenizer); without it the token text is left out.
    /// </summary>
    /// <param name="withReasoning">
    /// False for an exporter whose role may not see reasoning: the reasoning field is empty and the logprobs (whose
    /// token texts spell the reasoning out) are left out.
    /// </param>
    /// <param name="includeFlagged">True when the exporter asked for flagged runs too (see the class summary).</param>
    public static async Task<BatchExportSummary> WriteJsonlAsync(WorkbenchDbContext db, long batchId, Stream output, CancellationToken cancellationToken = default,
        Func<int, string>? tokenText = null, bool withReasoning = true, bool includeFlagged = false)
    {
        var newLine = "\n"u8.ToArray();
        var summary = new SummaryBuilder();
        await foreach (var row in ReadRowsAsync(db, batchId, includeFlagged, cancellationToken))
        {
            summary.Add(row);
            using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = ReadableJson.Encoder }))
            {
                json.WriteStartObject();
                foreach (var column in Columns)
                {
                    json.WritePropertyName(column.Name);
                    WriteJsonValue(json, column, ValueOf(column, row, withReasoning));
                }
                if (withReasoning && row.Logprobs is { } logprobs) WriteLogprobs(json, logprobs, tokenText);
                json.WriteEndObject();
            }
            await output.WriteAsync(newLine, cancellationToken);
        }
        await output.FlushAsync(cancellationToken);
        return await summary.BuildAsync(db, batchId, includeFlagged, cancellationToken);
    }

    /// <param name="target">
    /// <see cref="CsvTarget.Exact"/> gives every cell back byte for byte (for programs); <see cref="CsvTarget.Spreadsheet"/>
    /// neutralises text cells a spreadsheet would run as a formula (see <see cref="SpreadsheetCells"/>).
    /// </param>
    /// <param name="withReasoning">False for an exporter whose role may not see reasoning: the reasoning cells are empty.</param>
    /// <param name="includeFlagged">True when the exporter asked for flagged runs too (see the class summary).</param>
    public static async Task<BatchExportSummary> WriteCsvAsync(WorkbenchDbContext db, long batchId, Stream output, CancellationToken cancellationToken = default,
        CsvTarget target = CsvTarget.Exact, bool withReasoning = true, bool includeFlagged = false)
    {
        var summary = new SummaryBuilder();
        // The library's own injection rewriting is off: it would also rewrite plain numbers like "-3" (see SpreadsheetCells).
        var options = new CsvWriterOptions { Injection = CsvInjection.None };
        await using var csv = CsvWriter.Create(output, options, leaveOpen: true);
        csv.WriteHeader(ColumnNames.ToArray());
        await foreach (var row in ReadRowsAsync(db, batchId, includeFlagged, cancellationToken))
        {
            summary.Add(row);
            var fields = Columns.Select(c => ValueOf(c, row, withReasoning) is string text && target == CsvTarget.Spreadsheet
                ? SpreadsheetCells.Neutralise(text)
                : CsvText(c, ValueOf(c, row, withReasoning))).ToArray();
            await csv.WriteRecordAsync(fields, cancellationToken);
        }
        await csv.FlushAsync(cancellationToken);
        return await summary.BuildAsync(db, batchId, includeFlagged, cancellationToken);
    }

    /// <summary>Counts what went into a file, and which flagged runs, for the exporter's audit entry.</summary>
    private sealed class SummaryBuilder
    {
        private int _rows;
        private readonly List<FlaggedRun> _flagged = [];

        public void Add(BatchExportRow row)
        {
            _rows++;
            if (row.RunId is { } runId && row.FlagKind is { } kind)
                _flagged.Add(new FlaggedRun(runId, kind));
        }

        public async Task<BatchExportSummary> BuildAsync(WorkbenchDbContext db, long batchId, bool includeFlagged, CancellationToken cancellationToken)
        {
            var leftOut = includeFlagged ? 0 : await db.BatchItems
                .CountAsync(i => i.BatchJobId == batchId && i.Run != null && i.Run.Flag != null, cancellationToken);
            return new BatchExportSummary(_rows, _flagged, leftOut);
        }
    }

    /// <summary>The column's value, except the reasoning for an exporter who may not see it: the column stays, empty,
    /// so files keep one shape whoever exports them.</summary>
    private static object? ValueOf(Column column, BatchExportRow row, bool withReasoning) =>
        !withReasoning && column.Name == ReasoningColumn ? null : column.Value(row);

    private static async IAsyncEnumerable<BatchExportRow> ReadRowsAsync(WorkbenchDbContext db, long batchId, bool includeFlagged,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!await db.BatchJobs.AnyAsync(b => b.Id == batchId, cancellationToken))
            throw new KeyNotFoundException($"Batch {batchId} does not exist.");
        var after = -1;
        while (true)
        {
            var page = await db.BatchItems.AsNoTracking()
                .Where(i => i.BatchJobId == batchId && i.Order > after)
                .Where(i => includeFlagged || i.Run == null || i.Run.Flag == null)
                .OrderBy(i => i.Order)
                .Take(PageSize)
                .Include(i => i.Run).ThenInclude(r => r!.Messages)
                .Include(i => i.Run).ThenInclude(r => r!.Flag)
                .Include(i => i.Run).ThenInclude(r => r!.Logprobs)
                .AsSplitQuery()
                .ToListAsync(cancellationToken);
            var runIds = page.Where(i => i.Run is not null).Select(i => (long?)i.Run!.Id).ToList();
            var answers = await FinalAnswer.Messages(db.Messages)
                .Where(m => runIds.Contains(m.RunId))
                .ToDictionaryAsync(m => m.RunId!.Value, m => m.Content, cancellationToken);
            foreach (var item in page)
                yield return BatchExportRow.From(item, item.Run is { } run ? answers.GetValueOrDefault(run.Id) : null);
            if (page.Count < PageSize)
                yield break;
            after = page[^1].Order;
        }
    }

    private static void WriteLogprobs(Utf8JsonWriter json, IReadOnlyList<Runs.TokenLogprob> logprobs, Func<int, string>? tokenText)
    {
        void Token(int id, float logprob)
        {
            json.WriteNumber("token_id", id);
            if (tokenText is not null) json.WriteString("token", tokenText(id));
            json.WriteNumber("logprob", logprob);
        }
        json.WriteStartArray("logprobs");
        foreach (var token in logprobs)
        {
            json.WriteStartObject();
            Token(token.TokenId, token.Logprob);
            json.WriteStartArray("top");
            foreach (var top in token.Top)
            {
                json.WriteStartObject();
                Token(top.TokenId, top.Logprob);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteJsonValue(Utf8JsonWriter json, Column column, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case RawJson raw:
                json.WriteRawValue(raw.Json);
                break;
            case string text:
                json.WriteStringValue(text);
                break;
            case IReadOnlyList<string> list:
                json.WriteStartArray();
                foreach (var item in list)
                    json.WriteStringValue(item);
                json.WriteEndArray();
                break;
            case DateTime time:
                json.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case bool flag: json.WriteBooleanValue(flag); break;
            case int number: json.WriteNumberValue(number); break;
            case long number: json.WriteNumberValue(number); break;
            case double number: json.WriteNumberValue(number); break;
            default:
                throw new InvalidOperationException($"Column {column.Name} has an unexpected value type {value.GetType()}.");
        }
    }

    private static string? CsvText(Column column, object? value) => value switch
    {
        null => null,
        string text => text,
        RawJson raw => raw.Json,
        IReadOnlyList<string> list => JsonSerializer.Serialize(list, ReadableJson),
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Column {column.Name} has an unexpected value type {value.GetType()}."),
    };
}
