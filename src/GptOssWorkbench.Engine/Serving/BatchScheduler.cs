namespace GptOssWorkbench.Engine.Serving;

/// <summary>
/// Decides what each engine step runs. Running sequences go first, oldest first, each with its next token (or the
/// next chunk of a prompt still being prefilled); waiting sequences are then admitted, front first, with prompt
/// chunks while the step's token budget lasts. When the KV cache cannot hold a running sequence's next tokens, the
/// newest running sequence is preempted: its blocks are freed and it goes back to the front of the waiting queue,
/// to be recomputed from its tokens (prompt and output so far) later.
/// </summary>
internal sealed class BatchScheduler(BlockManager blocks, int maxTokensPerStep, int maxRunning)
{
    private readonly LinkedList<Sequence> waiting = new();
    private readonly List<Sequence> running = [];

    public int Waiting => waiting.Count;

    public int Running => running.Count;

    public long Preemptions { get; private set; }

    public IEnumerable<Sequence> All => waiting.Concat(running);

    public void Add(Sequence sequence) => waiting.AddLast(sequence);

    /// <summary>Takes a finished or cancelled sequence out and frees its blocks.</summary>
    public void Remove(Sequence sequence)
    {
        if (!running.Remove(sequence)) waiting.Remove(sequence);
        blocks.ReleaseAll(sequence);
    }

    /// <summary>The next step: (sequence, number of its pending tokens to run). Blocks for them are allocated.</summary>
    public List<(Sequence Sequence, int Tokens)> Schedule()
    {
        var plan = new List<(Sequence, int)>();
        int budget = maxTokensPerStep;
        for (int i = 0; i < running.Count && budget > 0; i++)
        {
            var sequence = running[i];
            int count = Math.Min(sequence.Remaining, budget);
            // Victims come from the end of the list, so sequences already planned (before i) are never taken.
            while (blocks.BlocksNeeded(sequence, sequence.Computed + count) > blocks.Free && running[^1] != sequence) Preempt(running[^1]);
            if (blocks.BlocksNeeded(sequence, sequence.Computed + count) > blocks.Free)
            {
                Preempt(sequence);
                break;
            }
            blocks.Grow(sequence, sequence.Computed + count);
            plan.Add((sequence, count));
            budget -= count;
        }

        while (budget > 0 && waiting.First is { } node && running.Count < maxRunning)
        {
            var sequence = node.Value;
            if (sequence.FullBlocks.Count == 0) blocks.MatchPrefix(sequence);
            int count = Math.Min(sequence.Remaining, budget);
            if (blocks.BlocksNeeded(sequence, sequence.Computed + count) > blocks.Free)
            {
                blocks.ReleaseAll(sequence); // do not hold shared blocks while waiting
                break;
            }
            blocks.RecordPrefixLookup(sequence.Length, sequence.Computed);
            waiting.RemoveFirst();
            running.Add(sequence);
            blocks.Grow(sequence, sequence.Computed + count);
            plan.Add((sequence, count));
            budget -= count;
        }
        return plan;
    }

    private void Preempt(Sequence sequence)
    {
        running.Remove(sequence);
        blocks.ReleaseAll(sequence);
        waiting.AddFirst(sequence);
        sequence.Preemptions++;
        Preemptions++;
    }
}
