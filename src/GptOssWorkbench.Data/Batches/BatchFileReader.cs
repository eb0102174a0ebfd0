namespace GptOssWorkbench.Data.Batches;

using System.Text;

/// <summary>
/// Reads a whole batch file into memory and validates every row before returning, so a caller can never
/// write half a file. Known fields: prompt (required), system, developer, id; anything else is metadata.
/// </summary>
public static class BatchFileReader
{
    public const string PromptField = "prompt";
    public const string SystemField = "system";
    public const string DeveloperField = "developer";
    public const string IdField = "id";
    public const string ExpectedField = "expected";

    public static BatchFile Read(Stream stream, string fileName, BatchImportLimits limits)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        if (extension is not (".csv" or ".jsonl" or ".ndjson"))
            throw new BatchImportException(fileName, null, null, $"unsupported file type '{extension}'; use .csv or .jsonl");

        var rows = new PromptRowValidator(fileName, limits);
        var text = DecodeUtf8(ReadAll(stream), rows);
        var metadataFields = extension == ".csv" ? CsvPromptReader.Read(text, rows) : JsonlPromptReader.Read(text, rows);
        if (rows.Prompts.Count == 0)
            throw rows.Error(null, null, "the file contains no prompts");
        return new BatchFile(fileName, rows.Prompts, metadataFields);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Strict UTF-8: a file saved in another encoding must fail loudly, not import mojibake.</summary>
    private static string DecodeUtf8(byte[] bytes, PromptRowValidator rows)
    {
        var start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException ex)
        {
            var line = 1 + bytes.AsSpan(0, Math.Clamp(start + ex.Index, 0, bytes.Length)).Count((byte)'\n');
            throw rows.Error(line, null, "the file is not valid UTF-8 text (save it as UTF-8)", ex);
        }
    }
}
