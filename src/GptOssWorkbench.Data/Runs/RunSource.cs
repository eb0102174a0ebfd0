namespace GptOssWorkbench.Data.Runs;

/// <summary>Where a run came from; the transcript browser filters on it.</summary>
public enum RunSource
{
    Chat,
    Batch,
    Api,

    /// <summary>A re-run of another run's manifest (see <see cref="Run.ReplayOfRunId"/>).</summary>
    Replay,
}
