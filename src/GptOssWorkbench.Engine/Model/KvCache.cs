namespace GptOssWorkbench.Engine.Model;

using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Keys (already rotated) and values of one sequence, per layer. Full-attention layers keep every position;
/// sliding layers keep a ring of <see cref="ModelConfig.SlidingWindow"/> slots (slot = position mod W).
/// Every slot remembers its absolute position (-1 = empty) so attention masks are computed from positions,
/// never from slot numbers; that also keeps the layout open for a paged pool later.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerKvCache[] layers;

    internal KvCache(ModelConfig config, ScalarType dtype, Device device, int initialCapacity)
    {
        layers = new LayerKvCache[config.NumLayers];
        for (int l = 0; l < config.NumLayers; l++)
        {
            layers[l] = config.SlidingLayers[l]
                ? new LayerKvCache(config, dtype, device, config.SlidingWindow, ring: true)
                : new LayerKvCache(config, dtype, device, Math.Max(initialCapacity, 16), ring: false);
        }
    }

    /// <summary>Tokens stored so far, which is also the absolute position of the next token.</summary>
    public int Length { get; private set; }

    internal LayerKvCache Layer(int index) => layers[index];

    internal void Advance(int tokens) => Length += tokens;

    public void Dispose()
    {
        foreach (var layer in layers) layer.Dispose();
    }
}

/// <summary>The cache of one layer: keys and values [slots, nkv, d] plus the absolute position of each slot.</summary>
internal sealed class LayerKvCache : IDisposable
{
    private readonly bool ring;
    private Tensor keys;
    private Tensor values;
    private Tensor positions;
    private int stored;

    public LayerKvCache(ModelConfig config, ScalarType dtype, Device device, int capacity, bool ring)
    {
        this.ring = ring;
        keys = zeros([capacity, config.NumKeyValueHeads, config.HeadDim], dtype, device).DetachFromDisposeScope();
        values = zeros([capacity, config.NumKeyValueHeads, config.HeadDim], dtype, device).DetachFromDisposeScope();
        using var empty = (-1L).ToScalar(); // outlives the native call: see KeptScalars
        positions = full([capacity], empty, int64, device).DetachFromDisposeScope();
    }

    /// <summary>
    /// Stores the new keys/values (at absolute <paramref name="newPositions"/>) and returns what the new queries
    /// attend over: (keys, values, positions). A sliding layer returns its ring plus the whole new chunk, then keeps
    /// only the chunk's last W entries, so a chunk longer than the window still sees its own earlier tokens.
    /// </summary>
    public (Tensor Keys, Tensor Values, Tensor Positions) Append(Tensor newKeys, Tensor newValues, Tensor newPositions)
    {
        int count = (int)newKeys.shape[0];
        if (ring)
        {
            var visibleKeys = cat([keys, newKeys], 0);
            var visibleValues = cat([values, newValues], 0);
            var visiblePositions = cat([positions, newPositions], 0);
            int window = (int)keys.shape[0];
            int keep = Math.Min(count, window);
            using var keptPositions = newPositions.narrow(0, count - keep, keep);
            using var windowSize = window.ToScalar(); // outlives the native call: see KeptScalars
            using var slots = keptPositions.remainder(windowSize);
            using var keptKeys = newKeys.narrow(0, count - keep, keep);
            using var keptValues = newValues.narrow(0, count - keep, keep);
            keys.index_copy_(0, slots, keptKeys);
            values.index_copy_(0, slots, keptValues);
            positions.index_copy_(0, slots, keptPositions);
            return (visibleKeys, visibleValues, visiblePositions);
        }

        EnsureCapacity(stored + count);
        using (var k = keys.narrow(0, stored, count)) k.copy_(newKeys);
        using (var v = values.narrow(0, stored, count)) v.copy_(newValues);
        using (var p = positions.narrow(0, stored, count)) p.copy_(newPositions);
        stored += count;
        return (keys.narrow(0, 0, stored), values.narrow(0, 0, stored), positions.narrow(0, 0, stored));
    }

    private void EnsureCapacity(int needed)
    {
        long capacity = keys.shape[0];
        if (needed <= capacity) return;
        long grown = Math.Max(needed, capacity * 2);
        keys = Grow(keys, grown, 0);
        values = Grow(values, grown, 0);
        positions = Grow(positions, grown, -1);
    }

    private static Tensor Grow(Tensor old, long capacity, long fill)
    {
        var shape = old.shape.ToArray();
        shape[0] = capacity;
        using var fillValue = fill.ToScalar(); // outlives the native call: see KeptScalars
        var grown = full(shape, fillValue, old.dtype, old.device).DetachFromDisposeScope();
        using (var head = grown.narrow(0, 0, old.shape[0])) head.copy_(old);
        old.Dispose();
        return grown;
    }

    public void Dispose()
    {
        keys.Dispose();
        values.Dispose();
        positions.Dispose();
    }
}
