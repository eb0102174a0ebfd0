namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary>
/// A trainable (autograd) gpt-oss over the reduced demo vocabulary, computing exactly what the engine computes
/// (<see cref="GptOssModel"/>): RMSNorm, q/k/v with bias, YaRN "rotate half" RoPE after the bias, grouped-query
/// attention with one learned sink logit per head, sliding window on the configured layers, top-k routing with a
/// softmax over the chosen k, clamped SwiGLU experts with interleaved gate/up rows, untied unembedding.
/// Batches are [B, T] token sequences starting at position 0. fp32 throughout.
/// </summary>
public sealed class TrainableGptOss : IDisposable
{
    private readonly Tensor digitFeatures; // [V, 60] constant
    private readonly Tensor inverseFrequencies;
    private readonly float concentration;
    private readonly float unusedLogitOffset;

    public TrainableGptOss(ModelConfig config, DemoVocabulary vocabulary, int seed)
    {
        TorchRuntime.EnsureLoaded();
        Config = config;
        Vocabulary = vocabulary;
        using var generator = new Generator((ulong)seed);
        int h = config.HiddenSize, v = vocabulary.Size, e = config.NumExperts, i = config.IntermediateSize;
        double std = 0.02, outStd = 0.02 / Math.Sqrt(2 * config.NumLayers);
        Embedding = Param(randn([v, h], generator: generator) * std);
        DigitVectors = Param(randn([DemoVocabulary.DigitFeatureCount, h], generator: generator) * std);
        Unembedding = Param(randn([v, h], generator: generator) * std);
        FinalNorm = Param(ones(h));
        Layers = [.. Enumerable.Range(0, config.NumLayers).Select(_ => new TrainableLayer
        {
            AttentionNorm = Param(ones(h)),
            QueryWeight = Param(randn([config.QueryWidth, h], generator: generator) * std),
            QueryBias = Param(zeros(config.QueryWidth)),
            KeyWeight = Param(randn([config.KeyValueWidth, h], generator: generator) * std),
            KeyBias = Param(zeros(config.KeyValueWidth)),
            ValueWeight = Param(randn([config.KeyValueWidth, h], generator: generator) * std),
            ValueBias = Param(zeros(config.KeyValueWidth)),
            OutputWeight = Param(randn([h, config.QueryWidth], generator: generator) * outStd),
            OutputBias = Param(zeros(h)),
            Sinks = Param(zeros(config.NumAttentionHeads)),
            MlpNorm = Param(ones(h)),
            RouterWeight = Param(randn([e, h], generator: generator) * std),
            RouterBias = Param(zeros(e)),
            GateUpWeight = Param(randn([e, 2 * i, h], generator: generator) * std),
            GateUpBias = Param(zeros([e, 2 * i])),
            DownWeight = Param(randn([e, h, i], generator: generator) * outStd),
            DownBias = Param(zeros([e, h])),
        })];
        digitFeatures = vocabulary.DigitFeatures();
        inverseFrequencies = tensor(YarnRope.ComputeInverseFrequencies(config));
        concentration = (float)(0.1 * Math.Log(config.RopeScalingFactor) + 1.0);
        // Row 0 of the unembedding stands for every unused id, so its probability counts UnusedCount times.
        unusedLogitOffset = (float)Math.Log(vocabulary.UnusedCount);
    }

    public ModelConfig Config { get; }
    public DemoVocabulary Vocabulary { get; }
    public Parameter Embedding { get; }
    public Parameter DigitVectors { get; }
    public Parameter Unembedding { get; }
    public Parameter FinalNorm { get; }
    public IReadOnlyList<TrainableLayer> Layers { get; }

    public IEnumerable<Parameter> Parameters() =>
        new[] { Embedding, DigitVectors, Unembedding, FinalNorm }.Concat(Layers.SelectMany(l => l.All()));

    public long ParameterCount => Parameters().Sum(p => p.numel());

    /// <summary>The plain embedding table the export writes: free rows plus each number token's digit vectors.</summary>
    public Tensor FoldedEmbedding() => Embedding + digitFeatures.mm(DigitVectors);

    /// <summary>
    /// Logits over the reduced vocabulary, [B, T, V]. Column 0 is the logit of ONE unused id; with
    /// <paramref name="forLoss"/> it becomes the log-sum over all unused ids (the full-vocabulary softmax).
    /// </summary>
    public Tensor Forward(Tensor ids, bool forLoss = false) => Forward(ids, forLoss, scoredRows: null);

    /// <summary>As above, but only for <paramref name="scoredRows"/> (indices into the flattened B·T positions): [n, V].
    /// The unembedding is the widest matmul; training needs it only where the loss counts.</summary>
    public Tensor Forward(Tensor ids, bool forLoss, Tensor? scoredRows)
    {
        using var scope = NewDisposeScope();
        long b = ids.shape[0], t = ids.shape[1];
        int h = Config.HiddenSize;
        var table = FoldedEmbedding();
        var x = table.index_select(0, ids.reshape(-1)).view(b, t, h);
        var angle = arange(t, dtype: float32).unsqueeze(1) * inverseFrequencies.unsqueeze(0);
        var cos = (angle.cos() * concentration).view(1, t, 1, -1);
        var sin = (angle.sin() * concentration).view(1, t, 1, -1);
        var keyPos = arange(t).unsqueeze(0);
        var queryPos = arange(t).unsqueeze(1);
        var causal = keyPos.le(queryPos);
        var windowed = causal.logical_and(keyPos.gt(queryPos - Config.SlidingWindow));
        for (int l = 0; l < Config.NumLayers; l++)
        {
            var layer = Layers[l];
            var attn = Attention(layer, Norm(x, layer.AttentionNorm), cos, sin, Config.SlidingLayers[l] ? windowed : causal);
            x = x + attn;
            x = x + Experts(layer, Norm(x, layer.MlpNorm).view(b * t, h)).view(b, t, h);
        }
        var final = scoredRows is null ? x : x.reshape(b * t, h).index_select(0, scoredRows);
        var logits = nn.functional.linear(Norm(final, FinalNorm), Unembedding);
        if (forLoss)
        {
            var offset = zeros(Vocabulary.Size);
            offset[0] = unusedLogitOffset;
            logits = logits + offset;
        }
        return logits.MoveToOuterDisposeScope();
    }

    private Tensor Norm(Tensor x, Tensor weight) =>
        x * (x.square().mean([-1L], keepdim: true) + Config.RmsNormEps).rsqrt() * weight;

    private Tensor Attention(TrainableLayer layer, Tensor t, Tensor cos, Tensor sin, Tensor visible)
    {
        long b = t.shape[0], n = t.shape[1];
        int nq = Config.NumAttentionHeads, nkv = Config.NumKeyValueHeads, d = Config.HeadDim;
        var q = Rotate(nn.functional.linear(t, layer.QueryWeight, layer.QueryBias).view(b, n, nq, d), cos, sin).transpose(1, 2);
        var k = Rotate(nn.functional.linear(t, layer.KeyWeight, layer.KeyBias).view(b, n, nkv, d), cos, sin).transpose(1, 2);
        var v = nn.functional.linear(t, layer.ValueWeight, layer.ValueBias).view(b, n, nkv, d).transpose(1, 2);
        // Query head h reads KV head h / (nq / nkv).
        k = k.repeat_interleave(nq / nkv, dim: 1);
        v = v.repeat_interleave(nq / nkv, dim: 1);
        var scores = q.matmul(k.transpose(2, 3)) * (1.0 / Math.Sqrt(d)); // [B, nq, T, T]
        scores = scores.masked_fill(visible.logical_not(), float.NegativeInfinity);
        var sinkColumn = layer.Sinks.view(1, nq, 1, 1).expand(b, nq, n, 1);
        var weights = softmax(cat([scores, sinkColumn], 3), 3).narrow(3, 0, n);
        var attended = weights.matmul(v).transpose(1, 2).reshape(b, n, nq * d);
        return nn.functional.linear(attended, layer.OutputWeight, layer.OutputBias);
    }

    private static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        int half = (int)x.shape[3] / 2;
        var a = x.narrow(3, 0, half);
        var c = x.narrow(3, half, half);
        return cat([a * cos - c * sin, c * cos + a * sin], 3);
    }

    /// <summary>
    /// Each expert runs only on the rows routed to it (rows grouped by expert, as the engine does): half the work of
    /// running all experts on all rows. Each expert's output, down bias included, is scaled by its routing weight.
    /// </summary>
    private Tensor Experts(TrainableLayer layer, Tensor t)
    {
        var gateUpWeight = QuantizationAware ? FakeMxfp4(layer.GateUpWeight) : layer.GateUpWeight;
        var downWeight = QuantizationAware ? FakeMxfp4(layer.DownWeight) : layer.DownWeight;
        long rows = t.shape[0];
        int k = Config.ExpertsPerToken;
        var routerLogits = nn.functional.linear(t, layer.RouterWeight, layer.RouterBias);
        var (sorted, order) = routerLogits.sort(dim: -1, descending: true, stable: true);
        var routeWeights = softmax(sorted.narrow(1, 0, k), 1).reshape(-1); // [N·k]
        var (expertOfAssignment, byExpert) = order.narrow(1, 0, k).reshape(-1).sort(stable: true);
        var tokenOfAssignment = byExpert.div(k, rounding_mode: RoundingMode.floor);
        var counts = bincount(expertOfAssignment, minlength: Config.NumExperts).data<long>().ToArray();
        var input = t.index_select(0, tokenOfAssignment);
        var outputs = new List<Tensor>(Config.NumExperts);
        long start = 0;
        for (int e = 0; e < Config.NumExperts; e++)
        {
            if (counts[e] == 0) continue;
            var x = input.narrow(0, start, counts[e]);
            var hidden = nn.functional.linear(x, gateUpWeight[e], layer.GateUpBias[e]);
            long width = hidden.shape[1];
            var gate = hidden.slice(1, 0, width, 2).clamp_max(Config.SwigluLimit);
            var up = hidden.slice(1, 1, width, 2).clamp(-Config.SwigluLimit, Config.SwigluLimit);
            var activation = gate * sigmoid(gate * Config.SwigluAlpha) * (up + 1);
            outputs.Add(nn.functional.linear(activation, downWeight[e], layer.DownBias[e]));
            start += counts[e];
        }
        var weighted = cat(outputs, 0) * routeWeights.index_select(0, byExpert).unsqueeze(1);
        return zeros(rows, t.shape[1]).index_add(0, tokenOfAssignment, weighted, 1.0);
    }

    /// <summary>
    /// With this set, the experts compute with their MXFP4-rounded weights (the values the checkpoint will hold) while
    /// gradients pass straight through to the full-precision weights. The shipped checkpoint is MXFP4, and rounding
    /// to 4 bits cost the plain-trained model ~6 points of exact answers; training through the rounding recovers them.
    /// </summary>
    public bool QuantizationAware { get; set; }

    /// <summary>Forward value MXFP4(w), gradient as if it were w (straight-through estimator).</summary>
    private static Tensor FakeMxfp4(Tensor weight) => weight + (Mxfp4Quantizer.RoundTrip(weight) - weight).detach();

    /// <summary>
    /// Replaces every weight by the value the exported checkpoint will hold: bf16-rounded tensors, MXFP4 experts, and
    /// the embedding folded (digit vectors zeroed); with <paramref name="quantizeExperts"/> false the experts are only
    /// rounded to bf16, as in the unquantized export. Afterwards this model and the engine on the export compute the same.
    /// </summary>
    public void SnapToExportPrecision(bool quantizeExperts = true)
    {
        using var noGrad = no_grad();
        Embedding.copy_(Bf16(FoldedEmbedding()));
        DigitVectors.zero_();
        foreach (var p in new[] { Unembedding, FinalNorm }) p.copy_(Bf16(p));
        foreach (var layer in Layers)
        {
            foreach (var p in layer.All())
            {
                if (quantizeExperts && (ReferenceEquals(p, layer.GateUpWeight) || ReferenceEquals(p, layer.DownWeight))) p.copy_(Mxfp4Quantizer.RoundTrip(p));
                else p.copy_(Bf16(p));
            }
        }
    }

    private static Tensor Bf16(Tensor t) => t.to(bfloat16).to(float32);

    private static Parameter Param(Tensor t) => new(t.contiguous(), requires_grad: true);

    public void Dispose()
    {
        foreach (var p in Parameters()) p.Dispose();
        digitFeatures.Dispose();
        inverseFrequencies.Dispose();
    }
}

/// <summary>One block's trainable weights, shaped like the HF checkpoint tensors (experts output-major, gate/up interleaved).</summary>
public sealed class TrainableLayer
{
    public required Parameter AttentionNorm { get; init; }
    public required Parameter QueryWeight { get; init; }
    public required Parameter QueryBias { get; init; }
    public required Parameter KeyWeight { get; init; }
    public required Parameter KeyBias { get; init; }
    public required Parameter ValueWeight { get; init; }
    public required Parameter ValueBias { get; init; }
    public required Parameter OutputWeight { get; init; }
    public required Parameter OutputBias { get; init; }
    public required Parameter Sinks { get; init; }
    public required Parameter MlpNorm { get; init; }
    public required Parameter RouterWeight { get; init; }
    public required Parameter RouterBias { get; init; }
    public required Parameter GateUpWeight { get; init; }
    public required Parameter GateUpBias { get; init; }
    public required Parameter DownWeight { get; init; }
    public required Parameter DownBias { get; init; }

    public IEnumerable<Parameter> All() =>
    [
        AttentionNorm, QueryWeight, QueryBias, KeyWeight, KeyBias, ValueWeight, ValueBias, OutputWeight, OutputBias, Sinks,
        MlpNorm, RouterWeight, RouterBias, GateUpWeight, GateUpBias, DownWeight, DownBias,
    ];
}
