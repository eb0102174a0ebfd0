namespace GptOssWorkbench.Data.Batches;

/// <summary>One validated row of a batch file.</summary>
/// <param name="Line">1-based line of the file where the row starts.</param>
/// <param name="MetadataJson">All other columns/fields as a JSON object.</param>
/// <param name="Expected">The reference answer ("expected" column/field), null when the row has none.</param>
public record BatchPrompt(int Line, string Prompt, string? System, string? Developer, string? Id, string MetadataJson,
    string? Expected = null);
