namespace GptOssWorkbench.Engine.Serving;

/// <summary>
/// Hands out the paged KV cache's blocks to sequences and takes them back. Blocks are reference counted so that
/// sequences sharing a prompt prefix share its blocks (prefix cache): every complete block is registered under a
/// chain hash of all tokens up to its end, and a freed block keeps its registration until the block is handed out
/// again, so a later request with the same prefix can still pick it up. Free blocks are reused oldest-freed first.
/// Full-attention and sliding-window layers have separate block tables (sliding blocks leave once out of the window)
/// but draw from the same pool.
/// </summary>
internal sealed class BlockManager
{
    private enum Group { Full, Sliding }

    private readonly int[] references;
    private readonly LinkedList<int> free = new();
    private readonly LinkedListNode<int>?[] freeNodes;
    private readonly Dictionary<(Group, ulong), (int Block, int[] Tokens)> cached = [];
    private readonly (Group Group, ulong Hash)?[] registration;

    public BlockManager(int blocks, int blockSize, int slidingWindow)
    {
        Total = blocks;
        BlockSize = blockSize;
        SlidingWindow = slidingWindow;
        references = new int[blocks];
        freeNodes = new LinkedListNode<int>?[blocks];
        registration = new (Group, ulong)?[blocks];
        for (int b = 0; b < blocks; b++) freeNodes[b] = free.AddLast(b);
    }

    public int Total { get; }
    public int BlockSize { get; }
    public int SlidingWindow { get; }
    public int Free => free.Count;
    public int Used => Total - free.Count;
    public long PrefixLookupTokens { get; private set; }
    public long PrefixHitTokens { get; private set; }

    /// <summary>
    /// Most blocks a sequence alone can hold while running up to <paramref name="length"/> tokens in chunks of at
    /// most <paramref name="chunk"/>: every full-layer block plus a window and a chunk of sliding blocks.
    /// </summary>
    public int BlocksForLength(int length, int chunk) => Ceiling(length) + Ceiling(Math.Min(length, SlidingWindow + chunk)) + 1;

    /// <summary>New blocks <paramref name="sequence"/> needs so that positions up to <paramref name="end"/> (exclusive) can run.</summary>
    public int BlocksNeeded(Sequence sequence, int end) =>
        Math.Max(0, Ceiling(end) - sequence.FullBlocks.Count)
        + Math.Max(0, Ceiling(end) - Math.Max(sequence.SlidingBlocks.Count, SlidingFirstVisible(sequence.Computed)));

    /// <summary>Appends blocks so positions up to <paramref name="end"/> have slots; the caller checked <see cref="BlocksNeeded"/>.</summary>
    public void Grow(Sequence sequence, int end)
    {
        while (sequence.FullBlocks.Count < Ceiling(end)) sequence.FullBlocks.Add(Take());
        // Blocks the chunk's first query can no longer see are never allocated (a recompute starts at 0 anyway).
        int firstVisible = SlidingFirstVisible(sequence.Computed);
        while (sequence.SlidingBlocks.Count < Ceiling(end)) sequence.SlidingBlocks.Add(sequence.SlidingBlocks.Count < firstVisible ? -1 : Take());
    }

    /// <summary>
    /// For a sequence with nothing cached yet: reuses cached blocks of the longest prefix whose full-layer blocks and
    /// sliding-window blocks (those the next position can see) are all cached. At least one token is left to run,
    /// since the last prompt position's logits are needed.
    /// </summary>
    public void MatchPrefix(Sequence sequence)
    {
        var hashes = new List<ulong>();
        ulong hash = 14695981039346656037UL;
        for (int i = 0; (i + 1) * BlockSize <= sequence.Length - 1; i++)
        {
            hash = Chain(hash, sequence, i);
            if (!IsCached(Group.Full, hash, sequence, i)) break;
            hashes.Add(hash);
        }
        int count = hashes.Count;
        while (count > 0 && !SlidingCached(sequence, hashes, count)) count--;
        if (count == 0) return;

        int firstVisible = SlidingFirstVisible(count * BlockSize);
        for (int i = 0; i < count; i++)
        {
            sequence.FullBlocks.Add(Reuse(Group.Full, hashes[i]));
            sequence.SlidingBlocks.Add(i < firstVisible ? -1 : Reuse(Group.Sliding, hashes[i]));
            sequence.BlockHashes.Add(hashes[i]);
        }
        sequence.Computed = count * BlockSize;
    }

    /// <summary>Counts an admitted sequence's prompt for the prefix cache hit rate.</summary>
    public void RecordPrefixLookup(int tokens, int hits)
    {
        PrefixLookupTokens += tokens;
        PrefixHitTokens += hits;
    }

    /// <summary>After a step: registers newly completed blocks and frees sliding blocks the next position cannot see.</summary>
    public void AfterStep(Sequence sequence)
    {
        while ((sequence.BlockHashes.Count + 1) * BlockSize <= sequence.Computed)
        {
            int i = sequence.BlockHashes.Count;
            ulong hash = Chain(i == 0 ? 14695981039346656037UL : sequence.BlockHashes[i - 1], sequence, i);
            sequence.BlockHashes.Add(hash);
            Register(Group.Full, hash, sequence, i, sequence.FullBlocks[i]);
            if (sequence.SlidingBlocks[i] >= 0) Register(Group.Sliding, hash, sequence, i, sequence.SlidingBlocks[i]);
        }
        int firstVisible = SlidingFirstVisible(sequence.Computed);
        for (int i = 0; i < firstVisible && i < sequence.SlidingBlocks.Count; i++)
        {
            if (sequence.SlidingBlocks[i] < 0) continue;
            Release(sequence.SlidingBlocks[i]);
            sequence.SlidingBlocks[i] = -1;
        }
    }

    /// <summary>Gives back every block of the sequence (finished, cancelled or preempted); it will recompute from 0.</summary>
    public void ReleaseAll(Sequence sequence)
    {
        foreach (var block in sequence.FullBlocks) Release(block);
        foreach (var block in sequence.SlidingBlocks.Where(b => b >= 0)) Release(block);
        sequence.FullBlocks.Clear();
        sequence.SlidingBlocks.Clear();
        sequence.BlockHashes.Clear();
        sequence.Computed = 0;
    }

    private int Ceiling(int length) => (length + BlockSize - 1) / BlockSize;

    /// <summary>The first logical block a query at <paramref name="position"/> can see on a sliding layer.</summary>
    private int SlidingFirstVisible(int position) => Math.Max(0, position - SlidingWindow + 1) / BlockSize;

    private bool SlidingCached(Sequence sequence, List<ulong> hashes, int count)
    {
        for (int i = SlidingFirstVisible(count * BlockSize); i < count; i++)
        {
            if (!IsCached(Group.Sliding, hashes[i], sequence, i)) return false;
        }
        return true;
    }

    private bool IsCached(Group group, ulong hash, Sequence sequence, int logical) =>
        cached.TryGetValue((group, hash), out var entry) && SameTokens(entry.Tokens, sequence, logical);

    private bool SameTokens(int[] tokens, Sequence sequence, int logical)
    {
        for (int j = 0; j < BlockSize; j++)
        {
            if (tokens[j] != sequence.TokenAt(logical * BlockSize + j)) return false;
        }
        return true;
    }

    private void Register(Group group, ulong hash, Sequence sequence, int logical, int block)
    {
        if (cached.ContainsKey((group, hash)) || registration[block] is not null) return; // an equal block is already cached
        var tokens = new int[BlockSize];
        for (int j = 0; j < BlockSize; j++) tokens[j] = sequence.TokenAt(logical * BlockSize + j);
        cached[(group, hash)] = (block, tokens);
        registration[block] = (group, hash);
    }

    private int Reuse(Group group, ulong hash)
    {
        int block = cached[(group, hash)].Block;
        if (references[block]++ == 0)
        {
            free.Remove(freeNodes[block]!);
            freeNodes[block] = null;
        }
        return block;
    }

    private int Take()
    {
        var node = free.First ?? throw new InvalidOperationException("The KV cache has no free block (the scheduler should have preempted).");
        free.RemoveFirst();
        int block = node.Value;
        freeNodes[block] = null;
        if (registration[block] is { } key)
        {
            cached.Remove(key); // its contents are about to be overwritten
            registration[block] = null;
        }
        references[block] = 1;
        return block;
    }

    private void Release(int block)
    {
        if (--references[block] == 0) freeNodes[block] = free.AddLast(block);
    }

    /// <summary>FNV-1a over the previous block's hash and this block's tokens: equal hashes mean equal prefixes (tokens are compared too).</summary>
    private ulong Chain(ulong previous, Sequence sequence, int logical)
    {
        ulong hash = previous;
        for (int j = 0; j < BlockSize; j++)
        {
            hash ^= (uint)sequence.TokenAt(logical * BlockSize + j);
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
