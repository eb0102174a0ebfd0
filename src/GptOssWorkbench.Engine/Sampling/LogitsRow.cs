namespace GptOssWorkbench.Engine.Sampling;

using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// A logits row of the model as a span over the tensor's own memory, so the sampler reads the 201,088 floats
/// where libtorch wrote them instead of a managed copy per token. The span is valid while the tensor lives.
/// </summary>
internal static class LogitsRow
{
    /// <summary>The row itself when it is a contiguous fp32 CPU tensor (the model's output), else a converted copy to dispose with it.</summary>
    public static Tensor Readable(Tensor row) =>
        row.dtype == ScalarType.Float32 && row.device_type == DeviceType.CPU && row.is_contiguous()
            ? row
            : row.to(ScalarType.Float32, CPU).contiguous();

    /// <summary><paramref name="readable"/> must come from <see cref="Readable"/>.</summary>
    public static ReadOnlySpan<float> Span(Tensor readable) => MemoryMarshal.Cast<byte, float>(readable.bytes);
}
