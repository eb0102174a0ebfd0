namespace GptOssWorkbench.Engine.Tests;

using TorchSharp;
using static TorchSharp.torch;

public class TorchSharpLoadTests
{
    [Fact]
    public void Native_libtorch_loads_and_multiplies_matrices()
    {
        TorchRuntime.EnsureLoaded();
        using var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        using var b = tensor(new float[] { 7, 8, 9, 10, 11, 12 }, new long[] { 3, 2 });
        using var c = matmul(a, b);

        // Computed by hand: [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]].
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c.data<float>().ToArray());
        Assert.Equal("cpu", TorchRuntime.DefaultDevice);
        Assert.True(TorchRuntime.Threads >= 1);
    }
}
