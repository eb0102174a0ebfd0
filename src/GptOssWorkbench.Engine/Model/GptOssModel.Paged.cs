namespace GptOssWorkbench.Engine.Model;

using TorchSharp;
using static TorchSharp.torch;

/// <summary>The forward pass over a shared <see cref="PagedKvCache"/>, used by the continuous-batching engine.</summary>
public sealed partial class GptOssModel
{
    /// <summary>Allocates the serving KV memory once: as many blocks as fit in <paramref name="bytes"/>.</summary>
    public PagedKvCache CreatePagedCache(long bytes, int blockSize = 16) =>
        new(Config, ComputeType, Device, PagedKvCache.BlocksFor(Config, ComputeType, blockSize, bytes), blockSize);

    /// <summary>
    /// One engine step over many sequences in a paged cache: projections, norms and experts run once over all
    /// stacked rows; attention per sequence over the slots its block tables name. Writes the new tokens' keys and
    /// values into their slots. Returns fp32 logits per entry ([1, V], or [T, V] with AllPositions); the caller
    /// disposes them.
    /// </summary>
    public Tensor[] Forward(PagedKvCache cache, IReadOnlyList<PagedStep> batch)
    {
        if (batch.Count == 0) throw new ArgumentException("A step needs at least one sequence.", nameof(batch));
        foreach (var step in batch)
        {
            if (step.Tokens.Count == 0) throw new ArgumentException("Forward needs at least one token per sequence.", nameof(batch));
            foreach (var token in step.Tokens)
            {
                if (token < 0 || token >= Config.VocabSize) throw new ArgumentOutOfRangeException(nameof(batch), $"Token id {token} is outside the vocabulary 0..{Config.VocabSize - 1}.");
            }
        }
        using var inference = torch.inference_mode();
        using var scope = NewDisposeScope();
        var segments = new PagedSegment[batch.Count];
        long row = 0;
        for (int b = 0; b < batch.Count; b++)
        {
            segments[b] = Segment(cache, batch[b], row);
            row += batch[b].Tokens.Count;
        }
        var entries = batch.Select(s => (s.Tokens, s.StartPosition, s.AllPositions)).ToList();
        var result = Run(entries, (layer, t, positions, cos, sin) => attention[layer].Forward(t, cos, sin, cache, layer, segments));
        foreach (var logits in result) logits.MoveToOuterDisposeScope();
        return result;
    }

    private PagedSegment Segment(PagedKvCache cache, PagedStep step, long row)
    {
        int first = step.StartPosition, end = step.StartPosition + step.Tokens.Count; // new positions [first, end)
        var queryPositions = arange(first, end, int64, Device);
        var full = Slots(cache, step.FullBlocks, first, end, 0, "full");
        // A sliding layer's query p sees keys (p - W, p]; the chunk's first query reaches back furthest.
        var sliding = Slots(cache, step.SlidingBlocks, first, end, Math.Max(0, first - cache.SlidingWindow + 1), "sliding");
        return new PagedSegment(row, step.Tokens.Count, queryPositions, full, sliding);
    }

    private PagedSlots Slots(PagedKvCache cache, IReadOnlyList<int> blocks, int first, int end, int readFrom, string group)
    {
        int size = cache.BlockSize;
        long SlotOf(int position)
        {
            int logical = position / size;
            int block = logical < blocks.Count ? blocks[logical] : -1;
            if (block < 0 || block >= cache.Blocks) throw new ArgumentException($"The {group} block table has no block for position {position}.");
            return (long)block * size + position % size;
        }
        var write = new long[end - first];
        for (int p = first; p < end; p++) write[p - first] = SlotOf(p);
        var read = new long[end - readFrom];
        var readPositions = new long[end - readFrom];
        for (int p = readFrom; p < end; p++)
        {
            read[p - readFrom] = SlotOf(p);
            readPositions[p - readFrom] = p;
        }
        return new PagedSlots(tensor(write, int64, Device), tensor(read, int64, Device), tensor(readPositions, int64, Device));
    }
}
