namespace GptOssWorkbench.Data.Batches;

/// <summary>Guards against files that would swamp the queue or the database; bound from "Batches:Limits".</summary>
public class BatchImportLimits
{
    public int MaxRows { get; set; } = 10_000;

    /// <summary>Applies to prompt, system and developer text alike (in UTF-16 chars).</summary>
    public int MaxPromptChars { get; set; } = 100_000;

    /// <summary>A reference answer is compared with a final answer, so it is short; a huge one is a mistaken column.</summary>
    public int MaxExpectedChars { get; set; } = 10_000;

    /// <summary>Rows × matrix cells.</summary>
    public int MaxItems { get; set; } = 100_000;
}
