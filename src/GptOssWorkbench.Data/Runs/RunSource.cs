namespace GptOssWorkbench.Data.Runs;

/// <summary>Where a run came from; the transcript browser filters on it.</summary>
public enum RunSource
{
    Chat,
    Batch,
    Api,
}
