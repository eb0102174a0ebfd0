namespace GptOssWorkbench.Pipeline.Engines;

using GptOssWorkbench.Engine.Serving;

/// <summary>The built-in engine of this process (configuration section "Engine").</summary>
public sealed class EngineHostOptions
{
    public const string Section = "Engine";

    /// <summary>cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>bf16 (speed) or fp32 (reference).</summary>
    public string Dtype { get; set; } = "bf16";

    /// <summary>libtorch intra-op threads; 0 = 1 for tiny models, libtorch's default otherwise.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Most sequences one loaded model decodes at once (its continuous batch). This is also how many run jobs the
    /// process takes from the queue at once (see <see cref="Hosting.JobWorkerCount"/>): one setting, so the queue can
    /// always fill the batch.
    /// </summary>
    public int MaxRunning { get; set; } = new ServingOptions().MaxRunning;

    /// <summary>The serving settings each loaded model's engine runs with.</summary>
    public ServingOptions Serving() => new() { MaxRunning = MaxRunning };

    public void Validate()
    {
        if (MaxRunning < 1) throw new ArgumentException($"Engine:MaxRunning must be at least 1 (got {MaxRunning}).");
    }
}
