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
    /// stacked rows; attention reads each sequence's own slots (its block tables). Writes the new tokens' keys and
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
        var layout = new PagedBatch(Group(cache, batch, sliding: false), Group(cache, batch, sliding: true));
        var entries = batch.Select(s => (s.Tokens, s.StartPosition, s.AllPositions)).ToList();
        var result = Run(entries, (layer, t, positions, cos, sin) => attention[layer].Forward(t, cos, sin, cache, layer, layout));
        foreach (var logits in result) logits.MoveToOuterDisposeScope();
        return result;
    }

    private PagedGroup Group(PagedKvCache cache, IReadOnlyList<PagedStep> batch, bool sliding)
    {
        string name = sliding ? "sliding" : "full";
        var write = new List<long>();
        var chunks = new List<ChunkReads>();
        var decodes = new List<(long Row, long Position, long[] Slots)>();
        long row = 0;
        foreach (var step in batch)
        {
            var blocks = sliding ? step.SlidingBlocks : step.FullBlocks;
            int first = step.StartPosition, end = step.StartPosition + step.Tokens.Count; // new positions [first, end)
            for (int p = first; p < end; p++) write.Add(SlotOf(cache, blocks, p, name));
            // A sliding layer's query p sees keys (p - W, p]; the chunk's first query reaches back furthest.
            int readFrom = sliding ? Math.Max(0, first - cache.SlidingWindow + 1) : 0;
            var slots = new long[end - readFrom];
            for (int p = readFrom; p < end; p++) slots[p - readFrom] = SlotOf(cache, blocks, p, name);
            if (step.Tokens.Count == 1)
            {
                decodes.Add((row, first, slots));
            }
            else
            {
                var positions = new long[end - readFrom];
                for (int p = readFrom; p < end; p++) positions[p - readFrom] = p;
                chunks.Add(new ChunkReads(row, step.Tokens.Count, tensor(Enumerable.Range(first, end - first).Select(p => (long)p).ToArray(), int64, Device), tensor(slots, int64, Device), tensor(positions, int64, Device)));
            }
            row += step.Tokens.Count;
        }
        return new PagedGroup(tensor(write.ToArray(), int64, Device), chunks, DecodeGroups(decodes));
    }

    /// <summary>
    /// Decode tokens attend in padded groups. Sorted by how many keys they read, a group only takes members needing
    /// at least half of its longest member's keys, so padding never exceeds the useful work, whatever the lengths.
    /// </summary>
    private List<DecodeReads> DecodeGroups(List<(long Row, long Position, long[] Slots)> decodes)
    {
        var groups = new List<DecodeReads>();
        var sorted = decodes.OrderByDescending(d => d.Slots.Length).ToList();
        for (int start = 0; start < sorted.Count;)
        {
            int longest = sorted[start].Slots.Length, end = start;
            while (end < sorted.Count && sorted[end].Slots.Length * 2 >= longest) end++;
            var members = sorted.GetRange(start, end - start);
            var slots = new long[members.Count * longest];
            var positions = new long[members.Count * longest];
            Array.Fill(positions, -1);
            for (int m = 0; m < members.Count; m++)
            {
                var own = members[m].Slots;
                long firstPosition = members[m].Position - own.Length + 1;
                for (int j = 0; j < own.Length; j++)
                {
                    slots[m * longest + j] = own[j];
                    positions[m * longest + j] = firstPosition + j;
                }
            }
            groups.Add(new DecodeReads(
                tensor(members.Select(m => m.Row).ToArray(), int64, Device),
                tensor(members.Select(m => m.Position).ToArray(), int64, Device),
                tensor(slots, int64, Device).view(members.Count, longest),
                tensor(positions, int64, Device).view(members.Count, longest)));
            start = end;
        }
        return groups;
    }

    private static long SlotOf(PagedKvCache cache, IReadOnlyList<int> blocks, int position, string group)
    {
        int logical = position / cache.BlockSize;
        int block = logical < blocks.Count ? blocks[logical] : -1;
        if (block < 0 || block >= cache.Blocks) throw new ArgumentException($"The {group} block table has no block for position {position}.");
        return (long)block * cache.BlockSize + position % cache.BlockSize;
    }
}
