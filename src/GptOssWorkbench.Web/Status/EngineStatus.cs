namespace GptOssWorkbench.Web.Status;

using GptOssWorkbench.Engine;

/// <summary>What the in-process engine runs on, read once (the first read loads libtorch).</summary>
public sealed record EngineStatus(string? Device, int? Threads, string? LoadedModel, string? Error)
{
    public static EngineStatus Read()
    {
        try
        {
            // No model loading exists yet, so nothing is ever loaded; the models issue fills this in.
            return new EngineStatus(TorchRuntime.DefaultDevice, TorchRuntime.Threads, LoadedModel: null, Error: null);
        }
        catch (Exception e)
        {
            // A broken libtorch should show up on the page, not take the whole workbench down.
            return new EngineStatus(null, null, null, $"The engine could not load libtorch: {e.Message}");
        }
    }
}
