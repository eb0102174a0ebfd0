namespace GptOssWorkbench.Data.Reviews;

using GptOssWorkbench.Data.Runs;

/// <summary>A label reviewers attach to runs (many-to-many, join table RunTags).</summary>
public class Tag
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public List<Run> Runs { get; set; } = [];
}
