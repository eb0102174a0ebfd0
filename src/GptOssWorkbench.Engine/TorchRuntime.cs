namespace GptOssWorkbench.Engine;

using TorchSharp;

/// <summary>Loads libtorch once and reports what the engine runs on.</summary>
public static class TorchRuntime
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        // Touching a torch function forces TorchSharp to load its native libraries.
        _ = torch.cuda.is_available();
        return true;
    });

    public static void EnsureLoaded() => _ = Initialized.Value;

    public static string DefaultDevice
    {
        get
        {
            EnsureLoaded();
            return torch.cuda.is_available() ? "cuda" : "cpu";
        }
    }

    public static int Threads
    {
        get
        {
            EnsureLoaded();
            return torch.get_num_threads();
        }
    }
}
