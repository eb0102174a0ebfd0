namespace GptOssWorkbench.Data.Batches;

/// <summary>The checks every row gets, whatever the file format; collects the accepted prompts.</summary>
internal class PromptRowValidator(string fileName, BatchImportLimits limits)
{
    private readonly Dictionary<string, int> _lineById = new(StringComparer.Ordinal);

    public string FileName { get; } = fileName;
    public List<BatchPrompt> Prompts { get; } = [];

    public BatchImportException Error(int? line, string? field, string reason, Exception? inner = null) =>
        new(FileName, line, field, reason, inner);

    public void Add(int line, string? prompt, string? system, string? developer, string? id, string metadataJson,
        string? expected = null)
    {
        if (Prompts.Count >= limits.MaxRows)
            throw Error(line, null, $"the file has more than {limits.MaxRows} prompts (the limit)");
        if (prompt is null)
            throw Error(line, BatchFileReader.PromptField, "missing prompt");
        if (string.IsNullOrWhiteSpace(prompt))
            throw Error(line, BatchFileReader.PromptField, "empty prompt");
        CheckLength(line, BatchFileReader.PromptField, prompt);
        CheckLength(line, BatchFileReader.SystemField, system);
        CheckLength(line, BatchFileReader.DeveloperField, developer);
        if (expected is not null && expected.Length > limits.MaxExpectedChars)
            throw Error(line, BatchFileReader.ExpectedField,
                $"expected answer of {expected.Length} characters is over the limit of {limits.MaxExpectedChars}");
        var externalId = string.IsNullOrWhiteSpace(id) ? null : id.Trim();
        if (externalId is not null)
        {
            if (externalId.Length > 200)
                throw Error(line, BatchFileReader.IdField, "id is longer than 200 characters");
            if (_lineById.TryGetValue(externalId, out var firstLine))
                throw Error(line, BatchFileReader.IdField, $"duplicate id '{externalId}' (first used on line {firstLine})");
            _lineById[externalId] = line;
        }
        Prompts.Add(new BatchPrompt(line, prompt, NullIfBlank(system), NullIfBlank(developer), externalId, metadataJson,
            NullIfBlank(expected)?.Trim()));
    }

    private void CheckLength(int line, string field, string? text)
    {
        if (text is not null && text.Length > limits.MaxPromptChars)
            throw Error(line, field, $"{text.Length} characters is over the limit of {limits.MaxPromptChars}");
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
