namespace GptOssWorkbench.Engine.Model;

using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Rotary position embedding with YaRN frequency scaling, "rotate half" pairing (dimension i with i + d/2).
/// Everything is fp32 as in both references: a double-precision angle drifts measurably after a few
/// thousand positions.
/// </summary>
public sealed class YarnRope : IDisposable
{
    private readonly Tensor inverseFrequencies;
    private readonly Scalar concentration; // owned, so it outlives the native calls (see KeptScalars)

    public YarnRope(ModelConfig config, Device device)
    {
        HeadDim = config.HeadDim;
        InverseFrequencies = ComputeInverseFrequencies(config);
        // The concentration m multiplies cos and sin, so q·k is scaled by m²; it is YaRN's only "temperature".
        Concentration = (float)(0.1 * Math.Log(config.RopeScalingFactor) + 1.0);
        inverseFrequencies = tensor(InverseFrequencies, dtype: float32, device: device);
        concentration = Concentration.ToScalar();
    }

    public int HeadDim { get; }

    /// <summary>Per pair index i (0..d/2-1), the YaRN-blended inverse frequency.</summary>
    public float[] InverseFrequencies { get; }

    public float Concentration { get; }

    public static float[] ComputeInverseFrequencies(ModelConfig config)
    {
        int half = config.HeadDim / 2;
        double baseTheta = config.RopeTheta, factor = config.RopeScalingFactor;
        // YaRN correction range; NOT rounded to integers (gpt-oss sets truncate: false).
        double low = half * Math.Log(config.InitialContextLength / (config.RopeBetaFast * 2 * Math.PI)) / Math.Log(baseTheta);
        double high = half * Math.Log(config.InitialContextLength / (config.RopeBetaSlow * 2 * Math.PI)) / Math.Log(baseTheta);
        var result = new float[half];
        for (int i = 0; i < half; i++)
        {
            float theta = 1f / MathF.Pow((float)baseTheta, 2f * i / config.HeadDim);
            float ramp = Math.Clamp((float)((i - low) / (high - low)), 0f, 1f);
            // Low pair indices (fast rotation) keep the original frequency, high ones are interpolated by the factor.
            result[i] = theta * (1 - ramp) + theta / (float)factor * ramp;
        }
        return result;
    }

    /// <summary>cos and sin tables [T, d/2], already multiplied by the concentration, for absolute positions [T].</summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positions)
    {
        using var angle = positions.to(float32).unsqueeze(1) * inverseFrequencies.unsqueeze(0);
        return (angle.cos().mul_(concentration), angle.sin().mul_(concentration));
    }

    /// <summary>Rotates x [T, heads, d] (any float dtype) in fp32; returns fp32.</summary>
    public static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        int half = (int)x.shape[2] / 2;
        var x32 = x.to(float32);
        var a = x32.narrow(2, 0, half);
        var b = x32.narrow(2, half, half);
        var c = cos.unsqueeze(1);
        var s = sin.unsqueeze(1);
        var rotated = cat([a * c - b * s, (b * c).add(a * s, KeptScalars.One)], 2);
        return rotated.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        inverseFrequencies.Dispose();
        concentration.Dispose();
    }
}
