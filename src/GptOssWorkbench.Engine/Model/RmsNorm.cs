namespace GptOssWorkbench.Engine.Model;

using TorchSharp;
using static TorchSharp.torch;

public static class RmsNorm
{
    /// <summary>y = x / sqrt(mean(x²) + eps) * w over the last axis, statistic and product in fp32.</summary>
    public static Tensor Apply(Tensor x, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        using var epsilon = eps.ToScalar(); // kept alive for the call: see KeptScalars
        var x32 = x.to(float32);
        var meanSquare = x32.mul(x32).mean([-1L], keepdim: true);
        var y = x32 * meanSquare.add(epsilon, KeptScalars.One).rsqrt() * weight.to(float32);
        return y.MoveToOuterDisposeScope();
    }
}
