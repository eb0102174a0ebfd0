namespace GptOssWorkbench.Data.Batches;

/// <summary>What the user chose on the "new batch" form, besides the file itself.</summary>
public class BatchImportRequest
{
    public string Name { get; set; } = "";
    public BatchMatrix Matrix { get; set; } = new();
    public string? CreatedByUserId { get; set; }
}
