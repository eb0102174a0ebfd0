namespace GptOssWorkbench.Data.Runs;

/// <summary>Where a run came from; the transcript browser filters on it.</summary>
public enum RunSource
{
    Chat,
    Batch,
    Api,

    /// <summary>A re-run of another run's manifest (see <see cref="Run.ReplayOfRunId"/>).</summary>
    Replay,

    /// <summary>
    /// POST /v1/completions: <see cref="Run.PromptText"/> is the raw harmony prompt (special tokens as their literal
    /// strings), encoded as it is instead of rendered from messages, so a client that renders harmony itself (another
    /// workbench in raw completions mode) gets exactly its prompt run.
    /// </summary>
    ApiCompletion,

    /// <summary>A continuation of a prefix of another run's output (see <see cref="Run.BranchOfRunId"/>).</summary>
    Branch,
}
