namespace GptOssWorkbench.Data.Batches;

using System.Text;
using System.Text.Json;
using CsvHelper;

/// <summary>
/// CSV with a header row, comma separated, RFC 4180 quoting (quoted fields may span lines). Strict: a stray
/// quote or a row with a different number of fields is an error, because guessing could shift a prompt
/// into the wrong column. Returns the metadata column names.
/// </summary>
internal static class CsvPromptReader
{
    private static readonly CsvReaderOptions Options = new()
    {
        Separator = ',',
        HasHeader = true,
        TrackLineNumbers = true,
        SkipEmptyLines = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
    };

    public static List<string> Read(string text, PromptRowValidator rows)
    {
        using var csv = CsvReader.FromText(text, Options);
        try
        {
            csv.ReadHeader();
            var header = csv.Headers.Select(h => h.Trim()).ToArray();
            if (header.Length == 0 || header is [""])
                throw rows.Error(null, null, "the file is empty (expected a header row with a 'prompt' column)");
            var columns = MapHeader(header, rows);

            while (csv.Read())
            {
                var line = (int)csv.LineNumber;
                if (csv.FieldCount != header.Length)
                    throw rows.Error(line, null, $"expected {header.Length} fields as in the header, found {csv.FieldCount}");
                var record = Enumerable.Range(0, header.Length).Select(i => csv.GetString(i) ?? "").ToArray();
                string? Field(int index) => index < 0 ? null : record[index];
                rows.Add(line, Field(columns.Prompt), Field(columns.System), Field(columns.Developer), Field(columns.Id),
                    MetadataJson(header, record, columns.Metadata), Field(columns.Expected));
            }
            return columns.Metadata.Select(i => header[i]).ToList();
        }
        catch (CsvFormatException ex)
        {
            throw rows.Error(ex.LineNumber > 0 ? (int)ex.LineNumber : null, null,
                "badly quoted field (quote a field that contains a quote, and double the quotes inside it)", ex);
        }
    }

    private sealed record Columns(int Prompt, int System, int Developer, int Id, int Expected, List<int> Metadata);

    private static Columns MapHeader(string[] header, PromptRowValidator rows)
    {
        const int headerLine = 1;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i].Length == 0)
                throw rows.Error(headerLine, null, $"column {i + 1} of the header has no name");
            if (!seen.Add(header[i]))
                throw rows.Error(headerLine, header[i], "the header names this column twice");
        }
        int IndexOf(string name) => Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
        var prompt = IndexOf(BatchFileReader.PromptField);
        if (prompt < 0)
            throw rows.Error(headerLine, BatchFileReader.PromptField,
                $"the header has no 'prompt' column (found: {string.Join(", ", header)})");
        var system = IndexOf(BatchFileReader.SystemField);
        var developer = IndexOf(BatchFileReader.DeveloperField);
        var id = IndexOf(BatchFileReader.IdField);
        var expected = IndexOf(BatchFileReader.ExpectedField);
        int[] known = [prompt, system, developer, id, expected];
        var metadata = Enumerable.Range(0, header.Length).Where(i => !known.Contains(i)).ToList();
        return new Columns(prompt, system, developer, id, expected, metadata);
    }

    private static string MetadataJson(string[] header, string[] record, List<int> metadataColumns)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            foreach (var i in metadataColumns)
                json.WriteString(header[i], record[i]);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
