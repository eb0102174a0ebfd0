namespace GptOssWorkbench.Engine;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

/// <summary>
/// libtorch's OpenMP runtime (libgomp) lets its worker threads spin for a while after every parallel region.
/// Our CPU kernels run on .NET threads between libtorch ops, so on a 2-core machine a spinning OpenMP worker
/// takes the core a kernel thread needs: measured under load, a 2-layer decode step went from ~200 ms to
/// ~30 ms per layer with passive waiting. libgomp reads its settings once when it is loaded, so the variable
/// must be in the native environment before TorchSharp loads libtorch; .NET's Environment.SetEnvironmentVariable
/// does not reach the native environment on Unix, hence setenv. A value set by the user is kept.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    // A module initializer because any engine code may be the first to touch TorchSharp (the checkpoint loader
    // creates tensors before a model exists); it runs before the first use of any engine type.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void SetPassiveUnlessConfigured()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable(Variable) is not null) return;
        _ = SetEnv(Variable, "PASSIVE", 0);
        Environment.SetEnvironmentVariable(Variable, "PASSIVE");
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
