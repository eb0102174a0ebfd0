namespace GptOssWorkbench.Engine.Model;

using System.Runtime.InteropServices;
using GptOssWorkbench.Engine.Kernels;
using static TorchSharp.torch;

/// <summary>
/// The MoE block of a step with few rows per expert (decode, small batches) run entirely on the fused MXFP4
/// kernels: the gate/up products of every routed expert in one parallel region, SwiGLU in C#, the down
/// products in a second region, and the weighted sum in C#. The per-expert tensor path costs ~15 small libtorch
/// ops and two parallel regions per expert, which at batch 1 took longer than reading the expert weights.
/// Intermediates are rounded to bf16 where the tensor path rounds them (each projection's output before its bias,
/// the SwiGLU activation), so both paths agree up to summation order and a sequence's result does not depend on
/// which path its step took.
/// </summary>
internal sealed partial class MixtureOfExperts
{
    private unsafe Tensor ForwardOnKernels(Tensor t, long[] ids, float[] routeWeights)
    {
        int tokens = (int)t.shape[0], hidden = config.HiddenSize, inner = config.IntermediateSize, k = config.ExpertsPerToken;
        int assignments = ids.Length;
        // Assignments ordered by expert (ascending, as the tensor path adds them), each expert's rows contiguous.
        var order = Enumerable.Range(0, assignments).OrderBy(a => ids[a]).ThenBy(a => a).ToArray();
        var experts = new List<(int Expert, int First, int Count)>();
        for (int i = 0; i < assignments;)
        {
            int j = i;
            while (j < assignments && ids[order[j]] == ids[order[i]]) j++;
            experts.Add(((int)ids[order[i]], i, j - i));
            i = j;
        }

        var expertOf = new int[assignments]; // by position in the expert-sorted order
        foreach (var e in experts)
        {
            for (int i = e.First; i < e.First + e.Count; i++) expertOf[i] = e.Expert;
        }

        // The tensor path hands the experts bf16 rows; round the same way.
        using var input = t.to(computeType).contiguous();
        var output = zeros(tokens, hidden, float32);
        var x = (ushort*)TensorMemory.Pointer(input, "moe input");
        var y = (float*)TensorMemory.Pointer(output, "moe output");
        var rowsIn = Alloc((long)assignments * hidden);
        var gateUp = Alloc((long)assignments * 2 * inner);
        var activation = Alloc((long)assignments * inner);
        var activationRow = Alloc(inner);
        var down = Alloc((long)assignments * hidden);
        var quantizedIn = int8Experts ? (byte*)NativeMemory.AlignedAlloc((nuint)(assignments * Int8Activations.RowBytes(hidden)), 64) : null;
        var quantizedActivation = int8Experts ? (byte*)NativeMemory.AlignedAlloc((nuint)(assignments * Int8Activations.RowBytes(inner)), 64) : null;
        try
        {
            var gateUpBiases = (float*)TensorMemory.Pointer(gateUpBias, "gate_up bias");
            var downBiases = (float*)TensorMemory.Pointer(downBias, "down bias");
            if (int8Experts)
            {
                for (int a = 0; a < assignments; a++) Int8Activations.Quantize(x + order[a] / k * (long)hidden, 1, hidden, quantizedIn + a * Int8Activations.RowBytes(hidden));
                Mxfp4Int8Matmul.MultiplyQuantized(experts.Select(e => new Mxfp4Int8Product(
                    (byte*)TensorMemory.Pointer(gateUpPacked!.Blocks, e.Expert, "gate_up blocks"), (byte*)TensorMemory.Pointer(gateUpPacked.Scales, e.Expert, "gate_up scales"),
                    quantizedIn + e.First * Int8Activations.RowBytes(hidden), e.Count, null, gateUp + (long)e.First * 2 * inner)).ToArray(),
                    2 * inner, hidden, kernelThreads);
            }
            else
            {
                for (int a = 0; a < assignments; a++) EvenOddInput.Prepare(x + order[a] / k * (long)hidden, 1, hidden, rowsIn + (long)a * hidden);
                Mxfp4Matmul.MultiplyPrepared(experts.Select(e => new Mxfp4Product(
                    (byte*)TensorMemory.Pointer(gateUpPacked!.Blocks, e.Expert, "gate_up blocks"), (byte*)TensorMemory.Pointer(gateUpPacked.Scales, e.Expert, "gate_up scales"),
                    rowsIn + (long)e.First * hidden, e.Count, null, gateUp + (long)e.First * 2 * inner)).ToArray(),
                    2 * inner, hidden, kernelPath, kernelThreads);
            }

            float limit = (float)config.SwigluLimit, alpha = (float)config.SwigluAlpha;
            for (int a = 0; a < assignments; a++)
            {
                var h = gateUp + (long)a * 2 * inner;
                var bias = gateUpBiases + (long)expertOf[a] * 2 * inner;
                for (int j = 0; j < inner; j++)
                {
                    // Projection 1 rows are interleaved: even = gate, odd = up; no lower clamp on the gate.
                    float gate = Math.Min(RoundToBf16(h[2 * j]) + bias[2 * j], limit);
                    float up = Math.Clamp(RoundToBf16(h[2 * j + 1]) + bias[2 * j + 1], -limit, limit);
                    activationRow[j] = RoundToBf16(gate / (1f + MathF.Exp(-alpha * gate)) * (up + 1f));
                }
                if (int8Experts) Int8Activations.Quantize(activationRow, 1, inner, quantizedActivation + a * Int8Activations.RowBytes(inner));
                else EvenOddInput.Prepare(activationRow, 1, inner, activation + (long)a * inner);
            }

            if (int8Experts)
            {
                Mxfp4Int8Matmul.MultiplyQuantized(experts.Select(e => new Mxfp4Int8Product(
                    (byte*)TensorMemory.Pointer(downPacked!.Blocks, e.Expert, "down blocks"), (byte*)TensorMemory.Pointer(downPacked.Scales, e.Expert, "down scales"),
                    quantizedActivation + e.First * Int8Activations.RowBytes(inner), e.Count, null, down + (long)e.First * hidden)).ToArray(),
                    hidden, inner, kernelThreads);
            }
            else
            {
                Mxfp4Matmul.MultiplyPrepared(experts.Select(e => new Mxfp4Product(
                    (byte*)TensorMemory.Pointer(downPacked!.Blocks, e.Expert, "down blocks"), (byte*)TensorMemory.Pointer(downPacked.Scales, e.Expert, "down scales"),
                    activation + (long)e.First * inner, e.Count, null, down + (long)e.First * hidden)).ToArray(),
                    hidden, inner, kernelPath, kernelThreads);
            }

            // The down bias is inside each expert's output, so the routing weight scales it too.
            for (int i = 0; i < assignments; i++)
            {
                int a = order[i];
                float weight = routeWeights[a];
                var source = down + (long)i * hidden;
                var bias = downBiases + (long)expertOf[i] * hidden;
                var target = y + a / k * (long)hidden;
                for (int c = 0; c < hidden; c++) target[c] += weight * (RoundToBf16(source[c]) + bias[c]);
            }
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
        finally
        {
            NativeMemory.AlignedFree(rowsIn);
            NativeMemory.AlignedFree(gateUp);
            NativeMemory.AlignedFree(activation);
            NativeMemory.AlignedFree(activationRow);
            NativeMemory.AlignedFree(down);
            NativeMemory.AlignedFree(quantizedIn);
            NativeMemory.AlignedFree(quantizedActivation);
        }
    }

    /// <summary>fp32 → bf16 → fp32 with round-to-nearest-even, as libtorch's conversion (values here are finite).</summary>
    private static float RoundToBf16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
    }

    private static unsafe float* Alloc(long count) => (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(count, 1) * sizeof(float)), 64);
}
