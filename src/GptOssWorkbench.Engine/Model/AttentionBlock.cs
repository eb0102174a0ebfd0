namespace GptOssWorkbench.Engine.Model;

using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>One layer's attention: q/k/v projections (with bias), RoPE, cache update, sink attention, output projection.</summary>
internal sealed class AttentionBlock : IDisposable
{
    private readonly ModelConfig config;
    private readonly DenseLinear queryKeyValue; // q, k and v stacked: one weight pass (and one parallel region) per step
    private readonly DenseLinear output;
    private readonly Tensor sinks; // fp32 [nq]
    private readonly int? window;

    public AttentionBlock(ModelConfig config, LayerWeights layer, bool sliding, ScalarType computeType, Device device, int maxKernelRows, int threads)
    {
        this.config = config;
        using (var scope = NewDisposeScope())
        {
            var weight = cat([layer.QueryWeight.to(computeType, device), layer.KeyWeight.to(computeType, device), layer.ValueWeight.to(computeType, device)], 0);
            var bias = cat([layer.QueryBias.to(computeType, device), layer.KeyBias.to(computeType, device), layer.ValueBias.to(computeType, device)], 0);
            queryKeyValue = new DenseLinear(weight.MoveToOuterDisposeScope(), bias.MoveToOuterDisposeScope(), maxKernelRows, threads);
        }
        output = new DenseLinear(layer.OutputWeight.to(computeType, device), layer.OutputBias.to(computeType, device), maxKernelRows, threads);
        sinks = layer.Sinks.to(float32, device);
        window = sliding ? config.SlidingWindow : null;
    }

    /// <summary>
    /// t: [T, H] normalised activations in the compute dtype, the new tokens of one or more sequences stacked;
    /// each segment names its rows and its sequence's cache. Returns [T, H] fp32.
    /// Projections run on all rows at once; only attention is per sequence.
    /// </summary>
    public Tensor Forward(Tensor t, Tensor positions, Tensor cos, Tensor sin, IReadOnlyList<CacheSegment> segments) =>
        Forward(t, cos, sin, (q, k, v) =>
        {
            var attended = new List<Tensor>(segments.Count);
            foreach (var segment in segments)
            {
                var rowPositions = positions.narrow(0, segment.Start, segment.Count);
                var (keys, values, keyPositions) = segment.Cache.Append(k.narrow(0, segment.Start, segment.Count), v.narrow(0, segment.Start, segment.Count), rowPositions);
                attended.Add(SinkAttention.Apply(q.narrow(0, segment.Start, segment.Count), keys, values, keyPositions, rowPositions, sinks, window));
            }
            return attended.Count == 1 ? attended[0] : cat(attended, 0);
        });

    /// <summary>
    /// The same layer over a paged cache: every row's key/value is written to its slot first, then each prompt chunk
    /// gathers exactly the slots it may see (its own history; on sliding layers only the window) and the decode rows
    /// attend together in length-grouped padded batches, so no sequence pays for another one's length.
    /// </summary>
    public Tensor Forward(Tensor t, Tensor cos, Tensor sin, PagedKvCache cache, int layer, PagedBatch batch) =>
        Forward(t, cos, sin, (q, k, v) =>
        {
            var group = window is null ? batch.Full : batch.Sliding;
            cache.Write(layer, group.WriteSlots, k, v);
            var output = q.new_empty([q.shape[0], q.shape[1] * q.shape[2]], float32);
            foreach (var chunk in group.Chunks)
            {
                var (keys, values) = cache.Gather(layer, chunk.Slots);
                output.narrow(0, chunk.Start, chunk.Count).copy_(SinkAttention.Apply(q.narrow(0, chunk.Start, chunk.Count), keys, values, chunk.Positions, chunk.QueryPositions, sinks, window));
            }
            foreach (var decode in group.Decodes)
            {
                var (keys, values) = cache.Gather(layer, decode.Slots.view(-1));
                long members = decode.Slots.shape[0], length = decode.Slots.shape[1];
                var attended = SinkAttention.ApplyDecode(q.index_select(0, decode.Rows), keys.view(members, length, keys.shape[1], keys.shape[2]), values.view(members, length, values.shape[1], values.shape[2]), decode.Positions, decode.QueryPositions, sinks, window);
                output.index_copy_(0, decode.Rows, attended);
            }
            return output;
        });

    private Tensor Forward(Tensor t, Tensor cos, Tensor sin, Func<Tensor, Tensor, Tensor, Tensor> attend)
    {
        using var scope = NewDisposeScope();
        long tokens = t.shape[0];
        // RoPE comes after the projection bias; keys are cached already rotated.
        long queryWidth = config.NumAttentionHeads * config.HeadDim, keyWidth = config.NumKeyValueHeads * config.HeadDim;
        var qkv = queryKeyValue.Forward(t); // fp32 [T, q + k + v]
        var q = qkv.narrow(1, 0, queryWidth).view(tokens, config.NumAttentionHeads, config.HeadDim);
        var k = qkv.narrow(1, queryWidth, keyWidth).view(tokens, config.NumKeyValueHeads, config.HeadDim);
        var v = qkv.narrow(1, queryWidth + keyWidth, keyWidth).view(tokens, config.NumKeyValueHeads, config.HeadDim);
        q = YarnRope.Rotate(q, cos, sin);
        k = YarnRope.Rotate(k, cos, sin).to(t.dtype); // the cache holds the compute dtype
        var all = attend(q, k, v.to(t.dtype));
        return output.Forward(all).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        queryKeyValue.Dispose();
        output.Dispose();
        sinks.Dispose();
    }
}

/// <summary>Rows [Start, Start + Count) of a stacked batch belong to the sequence whose layer cache is <see cref="Cache"/>.</summary>
internal readonly record struct CacheSegment(long Start, long Count, LayerKvCache Cache);

