namespace GptOssWorkbench.Engine.Model;

using System.Diagnostics;
using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The gpt-oss forward pass over a per-sequence <see cref="KvCache"/>. One call runs any number of new tokens
/// (a whole prompt for prefill, one token for decode) and returns fp32 logits on the CPU.
/// The residual stream stays fp32 in both precisions; bf16 mode only runs the big matmuls in bf16.
/// Keep the <see cref="ModelWeights"/> alive while the model is used: tensors already in the compute dtype
/// (bf16 weights in bf16 mode, the embedding, packed experts) are shared with them, not copied.
/// </summary>
public sealed partial class GptOssModel : IDisposable
{
    private readonly Tensor embedding; // stored dtype; only the looked-up rows are converted
    private readonly Tensor finalNorm; // fp32
    private readonly DenseLinear unembedding; // compute dtype, untied, no bias
    private readonly Tensor[] attentionNorms; // fp32
    private readonly Tensor[] mlpNorms; // fp32
    private readonly AttentionBlock[] attention;
    private readonly MixtureOfExperts[] experts;
    private readonly YarnRope rope;

    public GptOssModel(ModelWeights weights, EngineOptions? options = null)
    {
        Options = options ?? new EngineOptions();
        Config = weights.Config;
        Validate(weights);
        TorchRuntime.EnsureLoaded();
        if (Options.Threads > 0) torch.set_num_threads(Options.Threads);
        Device = torch.device(Options.Device);
        ComputeType = Options.Dtype == ComputePrecision.Float32 ? float32 : bfloat16;
        var expertMatmul = Options.ExpertMatmul ?? AdaptiveExpertMatmul.DefaultFor(Options.Device, Options.Dtype);

        using var noGrad = torch.no_grad();
        embedding = weights.Embedding.to(Device);
        finalNorm = weights.FinalNorm.to(float32, Device);
        int kernelRows = ComputeType == bfloat16 ? Options.DenseKernelMaxRows : 0;
        int kernelThreads = Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount;
        unembedding = new DenseLinear(weights.Unembedding.to(ComputeType, Device), null, kernelRows, kernelThreads);
        int layers = Config.NumLayers;
        attentionNorms = new Tensor[layers];
        mlpNorms = new Tensor[layers];
        attention = new AttentionBlock[layers];
        experts = new MixtureOfExperts[layers];
        for (int l = 0; l < layers; l++)
        {
            var layer = weights.Layers[l];
            attentionNorms[l] = layer.AttentionNorm.to(float32, Device);
            mlpNorms[l] = layer.MlpNorm.to(float32, Device);
            attention[l] = new AttentionBlock(Config, layer, Config.SlidingLayers[l], ComputeType, Device, kernelRows, kernelThreads);
            experts[l] = new MixtureOfExperts(Config, layer, ComputeType, Device, expertMatmul);
        }
        rope = new YarnRope(Config, Device);
    }

    public ModelConfig Config { get; }

    public EngineOptions Options { get; }

    public Device Device { get; }

    public ScalarType ComputeType { get; }

    /// <summary>Called after each layer with (layer index, wall time) when set; for benchmarks and profiling.</summary>
    public Action<int, TimeSpan>? LayerTimed { get; set; }

    /// <summary>A cache for one sequence; <paramref name="capacity"/> pre-sizes full-attention layers (they grow on demand).</summary>
    public KvCache CreateCache(int capacity = 256) => new(Config, ComputeType, Device, capacity);

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions cache.Length, cache.Length+1, … and appends them to the cache.
    /// Returns fp32 logits on the CPU: [1, V] for the last token, or [T, V] when <paramref name="allPositions"/>.
    /// The caller disposes the result.
    /// </summary>
    public Tensor Forward(IReadOnlyList<int> tokens, KvCache cache, bool allPositions = false) =>
        Forward([new SequenceStep(cache, tokens, allPositions)])[0];

    /// <summary>
    /// Runs a prompt in chunks of at most <paramref name="chunkSize"/> tokens (each chunk attends to the cache plus
    /// itself), which bounds the activations of long prompts; returns the last position's logits [1, V].
    /// </summary>
    public Tensor Prefill(IReadOnlyList<int> tokens, KvCache cache, int chunkSize = DefaultPrefillChunk)
    {
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), $"chunk size must be ≥ 1 (got {chunkSize}).");
        if (tokens.Count <= chunkSize) return Forward(tokens, cache);
        for (int start = 0; ; start += chunkSize)
        {
            int count = Math.Min(chunkSize, tokens.Count - start);
            var logits = Forward(tokens.Skip(start).Take(count).ToArray(), cache);
            if (start + count == tokens.Count) return logits;
            logits.Dispose();
        }
    }

    public const int DefaultPrefillChunk = 2048;

    /// <summary>
    /// One engine step over several sequences: each entry's new tokens (a prefill chunk or one decode token) are
    /// stacked so projections and experts run once for the whole batch (experts shared across sequences is where
    /// batching pays); attention runs per sequence against its own cache. Returns one logits tensor per entry,
    /// shaped as in <see cref="Forward(IReadOnlyList{int}, KvCache, bool)"/>; the caller disposes them.
    /// </summary>
    public Tensor[] Forward(IReadOnlyList<SequenceStep> batch)
    {
        Validate(batch);
        using var inference = torch.inference_mode();
        var entries = batch.Select(s => (s.Tokens, s.Cache.Length, s.AllPositions)).ToList();
        var result = Run(entries, (layer, t, positions, cos, sin) =>
        {
            var segments = new CacheSegment[batch.Count];
            long start = 0;
            for (int b = 0; b < batch.Count; b++)
            {
                segments[b] = new CacheSegment(start, batch[b].Tokens.Count, batch[b].Cache.Layer(layer));
                start += batch[b].Tokens.Count;
            }
            return attention[layer].Forward(t, positions, cos, sin, segments);
        });
        foreach (var step in batch) step.Cache.Advance(step.Tokens.Count);
        return result;
    }

    /// <summary>
    /// Embedding, layers and unembedding for stacked sequences; <paramref name="attend"/> runs one layer's attention
    /// (layer, normalised rows, positions, cos, sin) against whatever cache the caller uses.
    /// </summary>
    private Tensor[] Run(IReadOnlyList<(IReadOnlyList<int> Tokens, int Start, bool AllPositions)> entries, Func<int, Tensor, Tensor, Tensor, Tensor, Tensor> attend)
    {
        using var scope = NewDisposeScope();
        var positionList = new List<long>();
        var idList = new List<long>();
        var scoredRows = new List<long>();
        foreach (var (tokens, startPosition, allPositions) in entries)
        {
            long first = idList.Count;
            for (int i = 0; i < tokens.Count; i++)
            {
                positionList.Add(startPosition + i);
                idList.Add(tokens[i]);
            }
            // The unembedding is the widest matmul; skip it for positions nobody asked about.
            if (allPositions) scoredRows.AddRange(Enumerable.Range(0, tokens.Count).Select(i => first + i));
            else scoredRows.Add(idList.Count - 1);
        }
        var positions = tensor(positionList.ToArray(), int64, Device);
        var ids = tensor(idList.ToArray(), int64, Device);
        var (cos, sin) = rope.Tables(positions);

        var x = embedding.index_select(0, ids).to(float32);
        for (int l = 0; l < Config.NumLayers; l++)
        {
            var started = LayerTimed is null ? 0 : Stopwatch.GetTimestamp();
            using (var layerScope = NewDisposeScope())
            {
                var t = RmsNorm.Apply(x, attentionNorms[l], Config.RmsNormEps).to(ComputeType);
                var afterAttention = x.add(attend(l, t, positions, cos, sin), KeptScalars.One);
                var m = RmsNorm.Apply(afterAttention, mlpNorms[l], Config.RmsNormEps);
                x = afterAttention.add(experts[l].Forward(m), KeptScalars.One).MoveToOuterDisposeScope();
            }
            if (LayerTimed is not null)
            {
                if (Device.type == DeviceType.CUDA) torch.cuda.synchronize(Device);
                LayerTimed(l, Stopwatch.GetElapsedTime(started));
            }
        }

        var rows = x.index_select(0, tensor(scoredRows.ToArray(), int64, Device));
        var normed = RmsNorm.Apply(rows, finalNorm, Config.RmsNormEps).to(ComputeType);
        var result = new Tensor[entries.Count];
        var owner = new int[scoredRows.Count]; // scored row -> its entry
        var firstRow = new int[entries.Count];
        for (int b = 0, row = 0; b < entries.Count; b++)
        {
            int count = entries[b].AllPositions ? entries[b].Tokens.Count : 1;
            firstRow[b] = row;
            result[b] = empty(count, Config.VocabSize, float32).MoveToOuterDisposeScope();
            for (int i = 0; i < count; i++) owner[row++] = b;
        }
        foreach (var (start, count) in UnembeddingChunks(scoredRows.Count, Config.VocabSize))
        {
            using var chunkScope = NewDisposeScope();
            var logits = unembedding.Forward(normed.narrow(0, start, count)).cpu();
            for (int row = start; row < start + count;)
            {
                int b = owner[row], end = Math.Min(start + count, firstRow[b] + (int)result[b].shape[0]);
                result[b].narrow(0, row - firstRow[b], end - row).copy_(logits.narrow(0, row - start, end - row));
                row = end;
            }
        }
        return result;
    }

    /// <summary>
    /// Most bytes of fp32 logits one unembedding call produces. glibc serves an allocation above its dynamic mmap
    /// threshold (at most 32 MiB) with a fresh mmap that is page-faulted, zeroed and unmapped again every step: one
    /// [rows, 201,088] fp32 buffer crossed it at ~42 rows, and greedy throughput fell from 829 tok/s at 32 sequences
    /// to ~305 at 48 and 64 (issue 22). Chunks below the ceiling are reused from the heap.
    /// </summary>
    internal const long MaxLogitsChunkBytes = 24L << 20;

    /// <summary>Consecutive (start, count) row ranges covering <paramref name="rows"/>, each within <see cref="MaxLogitsChunkBytes"/>.</summary>
    internal static IEnumerable<(int Start, int Count)> UnembeddingChunks(int rows, int vocabSize)
    {
        int perChunk = (int)Math.Max(1, MaxLogitsChunkBytes / (4L * vocabSize));
        for (int start = 0; start < rows; start += perChunk) yield return (start, Math.Min(perChunk, rows - start));
    }

    private void Validate(IReadOnlyList<SequenceStep> batch)
    {
        if (batch.Count == 0) throw new ArgumentException("A step needs at least one sequence.", nameof(batch));
        if (batch.Select(s => s.Cache).Distinct().Count() != batch.Count) throw new ArgumentException("Each sequence (cache) may appear only once per step.", nameof(batch));
        foreach (var step in batch)
        {
            if (step.Tokens.Count == 0) throw new ArgumentException("Forward needs at least one token per sequence.", nameof(batch));
            foreach (var token in step.Tokens)
            {
                if (token < 0 || token >= Config.VocabSize) throw new ArgumentOutOfRangeException(nameof(batch), $"Token id {token} is outside the vocabulary 0..{Config.VocabSize - 1}.");
            }
        }
    }

    /// <summary>Logits of every position of <paramref name="tokens"/> from a fresh cache, as [T][V] arrays.</summary>
    public float[][] ScoreAllPositions(IReadOnlyList<int> tokens)
    {
        using var cache = CreateCache(tokens.Count);
        using var logits = Forward(tokens, cache, allPositions: true);
        return ToRows(logits);
    }

    public static float[][] ToRows(Tensor logits)
    {
        var flat = logits.data<float>().ToArray();
        int vocab = (int)logits.shape[1];
        return Enumerable.Range(0, (int)logits.shape[0]).Select(r => flat.AsSpan(r * vocab, vocab).ToArray()).ToArray();
    }

    private static void Validate(ModelWeights weights)
    {
        var c = weights.Config;
        if (c.NumAttentionHeads % c.NumKeyValueHeads != 0)
            throw new ArgumentException($"num_attention_heads ({c.NumAttentionHeads}) must be a multiple of num_key_value_heads ({c.NumKeyValueHeads}).");
        if (c.HeadDim % 2 != 0) throw new ArgumentException($"head_dim ({c.HeadDim}) must be even for rotary embedding.");
        if (c.SlidingLayers.Count != c.NumLayers)
            throw new ArgumentException($"SlidingLayers lists {c.SlidingLayers.Count} layers but the model has {c.NumLayers}.");
        if (weights.Layers.Count != c.NumLayers)
            throw new ArgumentException($"The weights hold {weights.Layers.Count} layers but the config says {c.NumLayers}.");
        if (c.ExpertsPerToken < 1 || c.ExpertsPerToken > c.NumExperts)
            throw new ArgumentException($"experts_per_token ({c.ExpertsPerToken}) must be between 1 and num_experts ({c.NumExperts}).");
    }

    public void Dispose()
    {
        embedding.Dispose();
        finalNorm.Dispose();
        unembedding.Dispose();
        foreach (var t in attentionNorms) t.Dispose();
        foreach (var t in mlpNorms) t.Dispose();
        foreach (var a in attention) a.Dispose();
        foreach (var e in experts) e.Dispose();
        rope.Dispose();
    }
}
