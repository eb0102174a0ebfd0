namespace GptOssWorkbench.Data.Batches;

/// <summary>One validated row of a batch file.</summary>
/// <param name="Line">1-based line of the file where the row starts.</param>
/// <param name="MetadataJson">All other columns/fields as a JSON object.</param>
public record BatchPrompt(int Line, string Prompt, string? System, string? Developer, string? Id, string MetadataJson);
