namespace GptOssWorkbench.Data.Batches;

using System.Text;
using System.Text.Json;

/// <summary>One JSON object per line; blank lines are ignored. Returns the metadata field names seen.</summary>
internal static class JsonlPromptReader
{
    private static readonly string[] KnownFields =
        [BatchFileReader.PromptField, BatchFileReader.SystemField, BatchFileReader.DeveloperField, BatchFileReader.IdField,
         BatchFileReader.ExpectedField];

    public static List<string> Read(string text, PromptRowValidator rows)
    {
        var metadataFields = new List<string>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException ex)
            {
                throw rows.Error(lineNumber, null, $"invalid JSON ({ex.Message.Split(" LineNumber")[0].TrimEnd('.', ' ')})", ex);
            }
            using (document)
                ReadObject(document.RootElement, lineNumber, rows, metadataFields);
        }
        return metadataFields;
    }

    private static void ReadObject(JsonElement root, int line, PromptRowValidator rows, List<string> metadataFields)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw rows.Error(line, null, $"expected a JSON object, found {Describe(root.ValueKind)}");

        string? prompt = null, system = null, developer = null, id = null, expected = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var buffer = new MemoryStream();
        using (var metadata = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            metadata.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw rows.Error(line, property.Name, "the field appears twice");
                var known = KnownFields.FirstOrDefault(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase));
                switch (known)
                {
                    case BatchFileReader.PromptField: prompt = ReadString(property, line, rows, allowNull: false); break;
                    case BatchFileReader.SystemField: system = ReadString(property, line, rows, allowNull: true); break;
                    case BatchFileReader.DeveloperField: developer = ReadString(property, line, rows, allowNull: true); break;
                    case BatchFileReader.IdField: id = ReadId(property, line, rows); break;
                    case BatchFileReader.ExpectedField: expected = ReadExpected(property, line, rows); break;
                    default:
                        property.WriteTo(metadata);
                        if (!metadataFields.Contains(property.Name))
                            metadataFields.Add(property.Name);
                        break;
                }
            }
            metadata.WriteEndObject();
        }
        rows.Add(line, prompt, system, developer, id, Encoding.UTF8.GetString(buffer.ToArray()), expected);
    }

    private static string? ReadString(JsonProperty property, int line, PromptRowValidator rows, bool allowNull) =>
        property.Value.ValueKind switch
        {
            JsonValueKind.String => property.Value.GetString(),
            JsonValueKind.Null when allowNull => null,
            var kind => throw rows.Error(line, property.Name, $"expected a string, found {Describe(kind)}"),
        };

    /// <summary>Ids are often numbers in exported datasets; accept integers as their text.</summary>
    private static string? ReadId(JsonProperty property, int line, PromptRowValidator rows) =>
        property.Value.ValueKind switch
        {
            JsonValueKind.String => property.Value.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.Number when property.Value.TryGetInt64(out var number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            var kind => throw rows.Error(line, property.Name, $"expected a string or an integer, found {Describe(kind)}"),
        };

    /// <summary>Answers to arithmetic sets are often JSON numbers; keep the number's own text ("6033", "2.5").</summary>
    private static string? ReadExpected(JsonProperty property, int line, PromptRowValidator rows) =>
        property.Value.ValueKind switch
        {
            JsonValueKind.String => property.Value.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.Number => property.Value.GetRawText(),
            var kind => throw rows.Error(line, property.Name, $"expected a string or a number, found {Describe(kind)}"),
        };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
