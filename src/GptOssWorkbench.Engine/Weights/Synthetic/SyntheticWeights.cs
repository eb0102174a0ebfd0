namespace GptOssWorkbench.Engine.Weights.Synthetic;

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using GptOssWorkbench.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Reproducible random logical weights of a gpt-oss model. Each logical tensor has its own generator seeded from
/// (seed, logical key), so its values do not depend on which layout writes it or in which order; and each is
/// produced in fixed-size chunks along dim 0, so even a 1.2 GB embedding is never held whole.
/// Scales keep activations finite: weights normal·0.02, norms 1 + normal·0.02, sinks normal·0.5,
/// MXFP4 codes uniform with block scales 2^-7..2^-5.
/// </summary>
public sealed class SyntheticWeights(ModelConfig config, long seed)
{
    private const long ChunkElements = 1L << 22;

    public ModelConfig Config { get; } = config;

    /// <summary>A bf16 tensor (as chunks) drawn from normal(mean, std).</summary>
    public IEnumerable<Tensor> Normal(string key, long[] shape, double std, double mean = 0)
    {
        using var generator = GeneratorFor(key);
        foreach (var chunkShape in Chunks(shape))
        {
            using var values = randn(chunkShape, ScalarType.Float32, generator: generator);
            using var scaled = values.mul(std).add_(mean);
            yield return scaled.to_type(ScalarType.BFloat16);
        }
    }

    /// <summary>A uint8 tensor (as chunks) with values uniform in [low, high).</summary>
    public IEnumerable<Tensor> Uniform(string key, long[] shape, int low, int high, long maxRowsPerChunk = long.MaxValue)
    {
        using var generator = GeneratorFor(key);
        foreach (var chunkShape in Chunks(shape, maxRowsPerChunk))
        {
            yield return randint(low, high, chunkShape, ScalarType.Byte, generator: generator);
        }
    }

    public IEnumerable<Tensor> Embedding => Normal("embedding", [Config.VocabSize, Config.HiddenSize], 0.02);
    public IEnumerable<Tensor> Unembedding => Normal("unembedding", [Config.VocabSize, Config.HiddenSize], 0.02);
    public IEnumerable<Tensor> FinalNorm => Norm("norm");

    public IEnumerable<Tensor> Norm(string key) => Normal(key, [Config.HiddenSize], 0.02, mean: 1);

    /// <summary>Attention projection "q", "k", "v" or "o"; part "weight" or "bias".</summary>
    public IEnumerable<Tensor> Attention(int layer, string projection, string part)
    {
        var shape = AttentionShape(projection, part);
        return Normal($"layers.{layer}.attn.{projection}.{part}", shape, 0.02);
    }

    public long[] AttentionShape(string projection, string part)
    {
        long h = Config.HiddenSize, q = Config.QueryWidth, kv = Config.KeyValueWidth;
        var (rows, columns) = projection switch
        {
            "q" => (q, h),
            "k" or "v" => (kv, h),
            "o" => (h, q),
            _ => throw new ArgumentException($"Unknown projection '{projection}'"),
        };
        return part == "weight" ? [rows, columns] : [rows];
    }

    public IEnumerable<Tensor> AttentionNorm(int layer) => Norm($"layers.{layer}.attn.norm");
    public IEnumerable<Tensor> MlpNorm(int layer) => Norm($"layers.{layer}.mlp.norm");
    public IEnumerable<Tensor> Sinks(int layer) => Normal($"layers.{layer}.attn.sinks", [Config.NumAttentionHeads], 0.5);
    public IEnumerable<Tensor> RouterWeight(int layer) => Normal($"layers.{layer}.router.weight", [Config.NumExperts, Config.HiddenSize], 0.02);
    public IEnumerable<Tensor> RouterBias(int layer) => Normal($"layers.{layer}.router.bias", [Config.NumExperts], 0.02);

    /// <summary>Projection 1 (gate/up, out = 2I, in = H) or 2 (down, out = H, in = I): [E, out, in].</summary>
    public (long Out, long In) ExpertDims(int projection) => projection == 1
        ? (2L * Config.IntermediateSize, Config.HiddenSize)
        : (Config.HiddenSize, Config.IntermediateSize);

    /// <summary>MXFP4 codes [E, out, in/32, 16], one chunk per expert (layout D dequantizes expert by expert).</summary>
    public IEnumerable<Tensor> ExpertBlocks(int layer, int projection)
    {
        var (rows, columns) = ExpertDims(projection);
        return Uniform($"layers.{layer}.mlp{projection}.blocks", [Config.NumExperts, rows, columns / 32, 16], 0, 256, maxRowsPerChunk: 1);
    }

    /// <summary>MXFP4 scales [E, out, in/32], one chunk per expert; exponents 120..122 mean multipliers 2^-7..2^-5.</summary>
    public IEnumerable<Tensor> ExpertScales(int layer, int projection)
    {
        var (rows, columns) = ExpertDims(projection);
        return Uniform($"layers.{layer}.mlp{projection}.scales", [Config.NumExperts, rows, columns / 32], 120, 123, maxRowsPerChunk: 1);
    }

    public IEnumerable<Tensor> ExpertBias(int layer, int projection) =>
        Normal($"layers.{layer}.mlp{projection}.bias", [Config.NumExperts, ExpertDims(projection).Out], 0.02);

    /// <summary>
    /// Layout D's bf16 expert weight [E, in, out] (input-major), as chunks of one expert: the exact dequantization
    /// of the same codes and scales the packed layouts store, transposed.
    /// </summary>
    public IEnumerable<Tensor> ExpertDenseInputMajor(int layer, int projection)
    {
        using var blocks = ExpertBlocks(layer, projection).GetEnumerator();
        using var scales = ExpertScales(layer, projection).GetEnumerator();
        while (blocks.MoveNext() && scales.MoveNext())
        {
            using var b = blocks.Current;
            using var s = scales.Current;
            using var dense = Mxfp4.DequantizeRows(b, s);            // [1, out, in] float32, exact
            using var inputMajor = dense.transpose(1, 2).contiguous(); // [1, in, out]
            yield return inputMajor.to_type(ScalarType.BFloat16);       // exact: FP4 × 2^k fits bf16
        }
    }

    /// <summary>Splits a shape into row chunks of about <see cref="ChunkElements"/> elements; always the same split for a shape.</summary>
    private static IEnumerable<long[]> Chunks(long[] shape, long maxRowsPerChunk = long.MaxValue)
    {
        if (shape.Length == 0)
        {
            yield return shape;
            yield break;
        }
        var rowElements = shape.Skip(1).Aggregate(1L, (n, d) => n * d);
        var rowsPerChunk = Math.Clamp(ChunkElements / Math.Max(1, rowElements), 1, maxRowsPerChunk);
        for (long start = 0; start < shape[0]; start += rowsPerChunk)
        {
            yield return [Math.Min(rowsPerChunk, shape[0] - start), .. shape.Skip(1)];
        }
    }

    private Generator GeneratorFor(string key)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{key}"));
        return new Generator(BinaryPrimitives.ReadUInt64LittleEndian(digest), torch.CPU);
    }
}
