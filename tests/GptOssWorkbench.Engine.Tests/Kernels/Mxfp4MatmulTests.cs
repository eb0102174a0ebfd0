namespace GptOssWorkbench.Engine.Tests.Kernels;

using GptOssWorkbench.Engine.Kernels;
using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

public class Mxfp4MatmulTests
{
    public Mxfp4MatmulTests() => TorchRuntime.EnsureLoaded();

    /// <summary>Every path this CPU can run; Scalar always, so each path is also compared with the plain loop.</summary>
    public static TheoryData<KernelPath> Paths()
    {
        var data = new TheoryData<KernelPath>();
        foreach (var path in new[] { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 })
        {
            if (KernelPaths.IsSupported(path)) data.Add(path);
        }
        return data;
    }

    /// <summary>Mostly scales near 2^0, with the extremes mixed in: 2^-127 (subnormal fp32), 2^-126, and 2^+73.</summary>
    private static byte MixedScale(Random random) => random.Next(10) switch
    {
        0 => 0,
        1 => 1,
        2 => 200,
        _ => (byte)random.Next(110, 141),
    };

    private static float[] RandomX(Random random, int n, int columns)
    {
        var x = new float[n * columns];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 4 - 2);
        return x;
    }

    private static Mxfp4Tensor ToTensor(Mxfp4Reference weight) => new(
        tensor(weight.Blocks, new long[] { weight.Experts, weight.Rows, weight.BlockCount, 16 }),
        tensor(weight.Scales, new long[] { weight.Experts, weight.Rows, weight.BlockCount }));

    [Theory]
    [MemberData(nameof(Paths))]
    public void Matches_the_naive_reference_for_odd_token_counts_and_non_square_shapes(KernelPath path)
    {
        var random = new Random(17);
        // (rows, columns, n): in = 32·k for several k, in ≠ out, n = 1, multiples of 4, odd n, n past one 32-token tile.
        foreach (var (rows, columns, n) in new[] { (7, 32, 1), (13, 64, 3), (40, 96, 4), (33, 160, 9), (96, 288, 1), (12, 96, 6), (11, 64, 7), (17, 320, 37), (5, 2880, 2) })
        {
            var weight = Mxfp4Reference.Random(random, experts: 3, rows, columns, MixedScale);
            using var packed = ToTensor(weight);
            var x = RandomX(random, n, columns);
            using var xTensor = tensor(x, new long[] { n, columns });
            for (var expert = 0; expert < 3; expert++)
            {
                var (expected, magnitude) = weight.Multiply(expert, x, n, bias: null);
                using var y = Mxfp4Matmul.Multiply(packed, expert, xTensor, path: path);
                Assert.Equal(new long[] { n, rows }, y.shape);
                Mxfp4Reference.AssertClose(expected, magnitude, y.data<float>().ToArray(), $"{path} rows={rows} columns={columns} n={n} expert={expert}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Matches_the_reference_when_rows_are_split_over_threads(KernelPath path)
    {
        var random = new Random(31);
        // Large enough to pass RowPartition.MinParallelWork, so several row chunks run on pool threads.
        foreach (var (rows, n) in new[] { (301, 1), (160, 7) })
        {
            Assert.True(rows * 90L * n >= RowPartition.MinParallelWork);
            var weight = Mxfp4Reference.Random(random, experts: 2, rows, columns: 2880, MixedScale);
            using var packed = ToTensor(weight);
            var x = RandomX(random, n, 2880);
            using var xTensor = tensor(x, new long[] { n, 2880 });
            var bias = Enumerable.Range(0, rows).Select(i => (float)Math.Sin(i)).ToArray();
            using var biasTensor = tensor(bias);
            var (expected, magnitude) = weight.Multiply(1, x, n, bias);
            using var y = Mxfp4Matmul.Multiply(packed, 1, xTensor, biasTensor, path, threads: 2);
            Mxfp4Reference.AssertClose(expected, magnitude, y.data<float>().ToArray(), $"{path} rows={rows} n={n} on 2 threads");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Subnormal_and_large_block_scales_are_applied_exactly(KernelPath path)
    {
        var random = new Random(5);
        foreach (var scales in new byte[][] { [0, 1, 2], [200, 230, 240] })
        {
            var weight = Mxfp4Reference.Random(random, experts: 1, rows: 9, columns: 128, r => scales[r.Next(scales.Length)]);
            using var packed = ToTensor(weight);
            var x = RandomX(random, 6, 128);
            using var xTensor = tensor(x, new long[] { 6, 128 });
            var (expected, magnitude) = weight.Multiply(0, x, 6, bias: null);
            using var y = Mxfp4Matmul.Multiply(packed, 0, xTensor, path: path);
            Mxfp4Reference.AssertClose(expected, magnitude, y.data<float>().ToArray(), $"{path} scales {string.Join(",", scales)}");
            Assert.All(y.data<float>().ToArray(), v => Assert.True(v != 0 && float.IsFinite(v), $"{v} should be a non-zero finite value"));
        }
    }

    [Fact]
    public void Vector_paths_agree_with_the_scalar_path_on_a_gpt_oss_shaped_row_block()
    {
        var random = new Random(99);
        var weight = Mxfp4Reference.Random(random, experts: 1, rows: 64, columns: 2880, MixedScale);
        using var packed = ToTensor(weight);
        foreach (var n in new[] { 1, 8 })
        {
            using var xTensor = tensor(RandomX(random, n, 2880), new long[] { n, 2880 });
            using var scalar = Mxfp4Matmul.Multiply(packed, 0, xTensor, path: KernelPath.Scalar);
            var expected = scalar.data<float>().ToArray();
            var (_, magnitude) = weight.Multiply(0, xTensor.data<float>().ToArray(), n, bias: null);
            foreach (var path in new[] { KernelPath.Vector256, KernelPath.Vector512 }.Where(KernelPaths.IsSupported))
            {
                using var vector = Mxfp4Matmul.Multiply(packed, 0, xTensor, path: path);
                Mxfp4Reference.AssertClose(expected.Select(v => (double)v).ToArray(), magnitude, vector.data<float>().ToArray(), $"{path} vs Scalar, n={n}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Adds_the_expert_bias_given_as_a_bf16_layer_bias_or_an_fp32_row(KernelPath path)
    {
        var random = new Random(3);
        var weight = Mxfp4Reference.Random(random, experts: 4, rows: 24, columns: 64, MixedScale);
        using var packed = ToTensor(weight);
        var x = RandomX(random, 5, 64);
        using var xTensor = tensor(x, new long[] { 5, 64 });
        var layerBias = new float[4 * 24];
        for (var i = 0; i < layerBias.Length; i++) layerBias[i] = (float)(random.NextDouble() * 200 - 100);
        // bf16 holds fewer bits than fp32: the reference must use the values the kernel actually receives.
        using var layerBiasBf16 = tensor(layerBias, new long[] { 4, 24 }).to_type(ScalarType.BFloat16);
        var roundedLayerBias = layerBiasBf16.to_type(ScalarType.Float32).data<float>().ToArray();

        const int expert = 2;
        var expertBias = roundedLayerBias.Skip(expert * 24).Take(24).ToArray();
        var (expected, magnitude) = weight.Multiply(expert, x, 5, expertBias);
        var (unbiased, _) = weight.Multiply(expert, x, 5, bias: null);
        Assert.NotEqual(unbiased[0], expected[0], 3);

        using var fromLayer = Mxfp4Matmul.Multiply(packed, expert, xTensor, layerBiasBf16, path);
        Mxfp4Reference.AssertClose(expected, magnitude, fromLayer.data<float>().ToArray(), $"{path} bf16 [E, out] bias");
        using var rowBias = tensor(expertBias);
        using var fromRow = Mxfp4Matmul.Multiply(packed, expert, xTensor, rowBias, path);
        Mxfp4Reference.AssertClose(expected, magnitude, fromRow.data<float>().ToArray(), $"{path} fp32 [out] bias");
    }

    [Fact]
    public void Accepts_bf16_activations_and_a_single_token_vector()
    {
        var random = new Random(8);
        var weight = Mxfp4Reference.Random(random, experts: 2, rows: 10, columns: 96, MixedScale);
        using var packed = ToTensor(weight);
        using var xBf16 = tensor(RandomX(random, 1, 96)).to_type(ScalarType.BFloat16);
        var xValues = xBf16.to_type(ScalarType.Float32).data<float>().ToArray();
        var (expected, magnitude) = weight.Multiply(1, xValues, 1, bias: null);

        using var y = Mxfp4Matmul.Multiply(packed, 1, xBf16);
        Assert.Equal(new long[] { 10 }, y.shape);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Mxfp4Reference.AssertClose(expected, magnitude, y.data<float>().ToArray(), "bf16 x, 1-D");
    }

    [Fact]
    public void Expert_seam_returns_the_input_dtype_rounded_from_the_fp32_result()
    {
        var random = new Random(12);
        var weight = Mxfp4Reference.Random(random, experts: 2, rows: 16, columns: 64, MixedScale);
        using var packed = ToTensor(weight);
        using var x = tensor(RandomX(random, 3, 64), new long[] { 3, 64 });
        using var xBf16 = x.to_type(ScalarType.BFloat16);
        var matmul = new FusedExpertMatmul();

        using var fromFloat = matmul.Multiply(x, packed, 1);
        using var fromBf16 = matmul.Multiply(xBf16, packed, 1);
        Assert.Equal(ScalarType.Float32, fromFloat.dtype);
        Assert.Equal(ScalarType.BFloat16, fromBf16.dtype);
        var (expected, magnitude) = weight.Multiply(1, x.data<float>().ToArray(), 3, bias: null);
        Mxfp4Reference.AssertClose(expected, magnitude, fromFloat.data<float>().ToArray(), "fp32 seam");

        // bf16 in: the kernel sees the bf16 activations exactly, sums in fp32, rounds once at the end.
        using var fp32OfBf16Input = Mxfp4Matmul.Multiply(packed, 1, xBf16);
        using var rounded = fp32OfBf16Input.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32);
        using var seamResult = fromBf16.to_type(ScalarType.Float32);
        Assert.Equal(rounded.data<float>().ToArray(), seamResult.data<float>().ToArray());
    }

    [Fact]
    public void Reads_experts_from_a_memory_mapped_checkpoint_file()
    {
        var random = new Random(21);
        var weight = Mxfp4Reference.Random(random, experts: 3, rows: 12, columns: 64, MixedScale);
        var path = Path.Combine(Path.GetTempPath(), $"mxfp4-{Guid.NewGuid():N}.bin");
        try
        {
            // Layout as in a safetensors payload: a header we skip, then blocks, then scales.
            File.WriteAllBytes(path, [.. new byte[24], .. weight.Blocks, .. weight.Scales]);
            using var file = from_file(path, shared: false, size: 24 + weight.Blocks.Length + weight.Scales.Length, dtype: ScalarType.Byte);
            using var blocks = file.narrow(0, 24, weight.Blocks.Length).view(3, 12, 2, 16);
            using var scales = file.narrow(0, 24 + weight.Blocks.Length, weight.Scales.Length).view(3, 12, 2);
            using var packed = new Mxfp4Tensor(blocks.alias(), scales.alias());
            var x = RandomX(random, 3, 64);
            using var xTensor = tensor(x, new long[] { 3, 64 });

            var (expected, magnitude) = weight.Multiply(2, x, 3, bias: null);
            using var y = Mxfp4Matmul.Multiply(packed, 2, xTensor);
            Mxfp4Reference.AssertClose(expected, magnitude, y.data<float>().ToArray(), "memory-mapped expert 2");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Rejects_bad_input_with_a_message_naming_the_problem()
    {
        var weight = Mxfp4Reference.Random(new Random(1), experts: 2, rows: 8, columns: 64, _ => 127);
        using var packed = ToTensor(weight);
        using var x = zeros(2, 64);

        using var wrongWidth = zeros(2, 96);
        Assert.Contains("expected [n, 64]", Assert.Throws<ArgumentException>(() => Mxfp4Matmul.Multiply(packed, 0, wrongWidth)).Message);
        Assert.Contains("expert must be in [0, 2)", Assert.Throws<ArgumentOutOfRangeException>(() => Mxfp4Matmul.Multiply(packed, 2, x)).Message);
        using var wrongBias = zeros(7);
        Assert.Contains("bias has shape [7]", Assert.Throws<ArgumentException>(() => Mxfp4Matmul.Multiply(packed, 0, x, wrongBias)).Message);
        using var integers = zeros(new long[] { 2, 64 }, ScalarType.Int32);
        Assert.Contains("float32 or bfloat16", Assert.Throws<ArgumentException>(() => Mxfp4Matmul.Multiply(packed, 0, integers)).Message);

        // A transposed view is not contiguous: the kernel reads raw memory, so it must refuse rather than read garbage.
        using var transposedBlocks = packed.Blocks.transpose(1, 2).contiguous().transpose(1, 2);
        using var strided = new Mxfp4Tensor(transposedBlocks.alias(), packed.Scales.alias());
        Assert.Contains("blocks must be contiguous", Assert.Throws<ArgumentException>(() => Mxfp4Matmul.Multiply(strided, 0, x)).Message);
        using var floatScales = packed.Scales.to_type(ScalarType.Float32);
        using var wrongType = new Mxfp4Tensor(packed.Blocks.alias(), floatScales.alias());
        Assert.Contains("must be uint8", Assert.Throws<ArgumentException>(() => Mxfp4Matmul.Multiply(wrongType, 0, x)).Message);
    }

    [Fact]
    public unsafe void Raw_form_rejects_a_width_that_is_not_whole_blocks()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Mxfp4Matmul.Multiply(null, null, 4, 48, (float*)null, 1, null, null));
        Assert.Contains("multiple of 32", exception.Message);
    }
}
