namespace GptOssWorkbench.Engine.Model;

using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The KV memory of a serving engine: one tensor allocated once, cut into fixed-size blocks of
/// <see cref="BlockSize"/> token slots. Layers are split into two groups (full attention, sliding window), and a
/// block holds one group's keys and values for BlockSize positions, so a sequence's sliding-window blocks can
/// be returned to the shared pool once they fall out of the window while its full-attention blocks stay.
/// Which block holds which positions is the caller's business (a block table per sequence and group, see
/// <see cref="PagedSequence"/>); this class only stores and gathers slots (slot = block · BlockSize + offset).
/// </summary>
public sealed class PagedKvCache : IDisposable
{
    private readonly Tensor storage; // [groupLayers, 2 (K, V), blocks · BlockSize, nkv, d]
    private readonly int[] indexInGroup; // layer → its index inside its group

    internal PagedKvCache(ModelConfig config, ScalarType dtype, Device device, int blocks, int blockSize)
    {
        if (blocks < 1) throw new ArgumentOutOfRangeException(nameof(blocks), $"The KV cache needs at least one block (got {blocks}).");
        if (blockSize < 1) throw new ArgumentOutOfRangeException(nameof(blockSize), $"The block size must be ≥ 1 (got {blockSize}).");
        Blocks = blocks;
        BlockSize = blockSize;
        SlidingWindow = config.SlidingWindow;
        indexInGroup = new int[config.NumLayers];
        int full = 0, sliding = 0;
        for (int l = 0; l < config.NumLayers; l++) indexInGroup[l] = config.SlidingLayers[l] ? sliding++ : full++;
        int groupLayers = Math.Max(1, Math.Max(full, sliding));
        // empty, not zeros: a slot is always written before it is read, and untouched pages cost no RAM.
        storage = empty([groupLayers, 2, (long)blocks * blockSize, config.NumKeyValueHeads, config.HeadDim], dtype, device).DetachFromDisposeScope();
        BytesPerBlock = (long)groupLayers * 2 * blockSize * config.NumKeyValueHeads * config.HeadDim * storage.element_size();
    }

    public int Blocks { get; }

    public int BlockSize { get; }

    public int SlidingWindow { get; }

    public long BytesPerBlock { get; }

    /// <summary>Blocks that fit in <paramref name="bytes"/> for this model and dtype.</summary>
    public static int BlocksFor(ModelConfig config, ScalarType dtype, int blockSize, long bytes)
    {
        int sliding = config.SlidingLayers.Count(s => s);
        int groupLayers = Math.Max(1, Math.Max(sliding, config.NumLayers - sliding));
        long perBlock = (long)groupLayers * 2 * blockSize * config.NumKeyValueHeads * config.HeadDim * (dtype == float32 ? 4 : 2);
        return (int)Math.Min(int.MaxValue, bytes / perBlock);
    }

    internal void Write(int layer, Tensor slots, Tensor keys, Tensor values)
    {
        using var layerKv = storage[indexInGroup[layer]];
        using var k = layerKv[0];
        using var v = layerKv[1];
        k.index_copy_(0, slots, keys);
        v.index_copy_(0, slots, values);
    }

    internal (Tensor Keys, Tensor Values) Gather(int layer, Tensor slots)
    {
        using var layerKv = storage[indexInGroup[layer]];
        using var k = layerKv[0];
        using var v = layerKv[1];
        return (k.index_select(0, slots), v.index_select(0, slots));
    }

    public void Dispose() => storage.Dispose();
}
