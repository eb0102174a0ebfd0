namespace GptOssWorkbench.Engine.Tests;

using System.Runtime.InteropServices;

public partial class OpenMpWaitPolicyTests
{
    [Fact]
    public void Libgomp_sees_passive_waiting_in_the_native_environment_once_the_engine_is_used()
    {
        TorchRuntime.EnsureLoaded();

        // libgomp reads getenv, not .NET's managed copy of the environment, so check the native one.
        var value = Marshal.PtrToStringUTF8(GetEnv("OMP_WAIT_POLICY"));

        Assert.Equal("PASSIVE", value, ignoreCase: true);
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);
}
