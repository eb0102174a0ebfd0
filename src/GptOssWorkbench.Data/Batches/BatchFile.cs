namespace GptOssWorkbench.Data.Batches;

/// <summary>A fully validated batch file: its prompts and the extra fields found (for the upload preview).</summary>
public record BatchFile(string FileName, IReadOnlyList<BatchPrompt> Prompts, IReadOnlyList<string> MetadataFields);
