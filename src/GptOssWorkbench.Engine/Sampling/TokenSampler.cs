namespace GptOssWorkbench.Engine.Sampling;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

/// <summary>
/// Picks the next token from one row of fp32 logits. Runs in plain C# on the CPU with its own seeded
/// <see cref="Random"/> (never torch's global generator), so a seed reproduces a run on any device and whatever
/// else shares the batch. Order: penalties → temperature → top-k → top-p → min-p → draw; the draw walks the
/// allowed tokens in id order when nothing filters, else most likely first (equal scores lower id first).
/// The row is read in place: every pass is vectorised (<see cref="VocabularyMath"/>), the only copy is into a
/// per-thread buffer that is reused, and no option sorts the vocabulary (top-k is a partial selection, top-p and
/// the draw among filtered tokens a bucketed search, <see cref="MassRanking"/>). Samplers of different sequences
/// may run on different threads at once; one sampler is used by one thread at a time.
/// </summary>
public sealed class TokenSampler
{
    /// <summary>Up to this k, top-k is a partial selection over the scores and the rest works on those k alone.</summary>
    private const int SelectedTopK = 256;

    [ThreadStatic] private static Scratch? scratch;

    private readonly SamplingOptions options;
    private readonly Random random;

    public TokenSampler(SamplingOptions options)
    {
        options.Validate();
        this.options = options;
        random = new Random(options.Seed ?? Random.Shared.Next());
    }

    private bool Penalised => options.RepetitionPenalty != 1.0 || options.FrequencyPenalty != 0 || options.PresencePenalty != 0;

    private bool Filtering => options.TopK > 0 || options.TopP < 1.0 || options.MinP > 0;

    /// <param name="logits">The model's logits for the next position, one per vocabulary id.</param>
    /// <param name="promptTokens">The prompt (seen by the repetition penalty only).</param>
    /// <param name="generatedTokens">Tokens produced so far (seen by all penalties).</param>
    public SampledToken Sample(ReadOnlySpan<float> logits, IReadOnlyList<int> promptTokens, IReadOnlyList<int> generatedTokens)
    {
        if (logits.Length == 0) throw new ArgumentException("The logits row is empty.", nameof(logits));
        var buffers = scratch ??= new Scratch();
        var work = buffers.Work(logits.Length);
        ReadOnlySpan<float> scores = logits;
        if (Penalised)
        {
            logits.CopyTo(work);
            ApplyPenalties(work, promptTokens, generatedTokens, buffers.Seen);
            scores = work.AsSpan(0, logits.Length);
        }

        double logNormaliser = double.NaN; // log Σ exp(logits), when the draw's pass already gave it
        int chosen;
        if (options.Temperature == 0) chosen = VocabularyMath.IndexOfMax(scores);
        else if (options.TopK is > 0 and <= SelectedTopK && options.TopK < logits.Length) chosen = DrawFromTopK(scores, buffers);
        else chosen = Draw(scores, work, buffers, out logNormaliser);

        if (!options.Logprobs && options.TopLogprobs == 0) return new SampledToken(chosen, null, []);
        // Log-probabilities of the model's own distribution: the raw logits, not the penalised or tempered scores.
        if (double.IsNaN(logNormaliser))
        {
            float max = VocabularyMath.Max(logits);
            logNormaliser = max + Math.Log(VocabularyMath.SumExp(logits, max));
        }
        var alternatives = new List<TokenLogprob>(options.TopLogprobs);
        if (options.TopLogprobs > 0)
        {
            var ids = buffers.Ids(options.TopLogprobs);
            int found = VocabularyMath.Largest(logits, options.TopLogprobs, ids);
            for (int i = 0; i < found; i++) alternatives.Add(new TokenLogprob(ids[i], logits[ids[i]] - logNormaliser));
        }
        return new SampledToken(chosen, logits[chosen] - logNormaliser, alternatives);
    }

    private void ApplyPenalties(float[] scores, IReadOnlyList<int> prompt, IReadOnlyList<int> generated, Dictionary<int, int> seen)
    {
        if (options.RepetitionPenalty != 1.0)
        {
            seen.Clear();
            for (int i = 0; i < prompt.Count; i++) seen.TryAdd(prompt[i], 0);
            for (int i = 0; i < generated.Count; i++) seen.TryAdd(generated[i], 0);
            foreach (var id in seen.Keys)
            {
                double score = scores[id];
                scores[id] = (float)(score > 0 ? score / options.RepetitionPenalty : score * options.RepetitionPenalty);
            }
        }
        if (options.FrequencyPenalty != 0 || options.PresencePenalty != 0)
        {
            seen.Clear();
            for (int i = 0; i < generated.Count; i++) seen[generated[i]] = seen.GetValueOrDefault(generated[i]) + 1;
            foreach (var (id, count) in seen) scores[id] = (float)(scores[id] - (count * options.FrequencyPenalty + options.PresencePenalty));
        }
    }

    /// <summary>Lowest id among the maximal scores, so greedy runs agree across devices.</summary>
    public static int ArgMax(ReadOnlySpan<double> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best]) best = i;
        }
        return best;
    }

    /// <summary>Small top-k: select the k best scores, then top-p, min-p and the draw among those k only (in double).</summary>
    private int DrawFromTopK(ReadOnlySpan<float> scores, Scratch buffers)
    {
        var ids = buffers.Ids(options.TopK);
        int count = VocabularyMath.Largest(scores, options.TopK, ids);
        if (count == 0) return 0; // a row of NaNs: nothing to choose between
        var weights = buffers.Weights(count);
        double top = scores[ids[0]] / options.Temperature;
        double total = 0;
        for (int i = 0; i < count; i++) total += weights[i] = Math.Exp(scores[ids[i]] / options.Temperature - top);

        if (options.TopP < 1.0)
        {
            // Smallest prefix whose mass reaches top_p; the token that crosses the line is kept.
            double cumulative = 0;
            int kept = 0;
            while (kept < count)
            {
                cumulative += weights[kept++];
                if (cumulative >= options.TopP * total) break;
            }
            count = kept;
        }
        if (options.MinP > 0)
        {
            int kept = 1; // weights[0] = 1 is the top token's
            while (kept < count && weights[kept] >= options.MinP * weights[0]) kept++;
            count = kept;
        }
        double mass = 0;
        for (int i = 0; i < count; i++) mass += weights[i];
        double target = random.NextDouble() * mass;
        for (int i = 0; i < count; i++)
        {
            target -= weights[i];
            if (target < 0) return ids[i];
        }
        return ids[count - 1]; // rounding left a sliver of mass
    }

    /// <summary>
    /// Weights exp((score - max) / T) over the whole row into <paramref name="work"/>, then either a draw in id order
    /// (no filter) or the filters and a draw most likely first over a <see cref="MassRanking"/>.
    /// </summary>
    private int Draw(ReadOnlySpan<float> scores, float[] work, Scratch buffers, out double logNormaliser)
    {
        int n = scores.Length;
        float max = VocabularyMath.Max(scores);
        if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(scores), ref work[0])) scores.CopyTo(work);
        var row = work.AsSpan(0, n);
        var blockSums = buffers.BlockSums(n);
        double total = VocabularyMath.ExpInPlace(row, max, (float)(1.0 / options.Temperature), blockSums);
        // At temperature 1 without penalties these are the softmax's own terms: the logprobs need no second pass.
        logNormaliser = options.Temperature == 1.0 && !Penalised ? max + Math.Log(total) : double.NaN;

        if (!Filtering)
        {
            double target = random.NextDouble() * total;
            int block = 0;
            double before = 0;
            while (block < blockSums.Length - 1 && before + blockSums[block] <= target) before += blockSums[block++];
            int last = 0;
            for (int i = block * VocabularyMath.BlockSize; i < n; i++)
            {
                if (row[i] <= 0) continue;
                last = i;
                before += row[i];
                if (before > target) return i;
            }
            return last; // rounding left a sliver of mass
        }

        var ranking = buffers.Ranking;
        ranking.Index(work, n);
        int allowed = options.TopK > 0 ? Math.Min(options.TopK, n) : n;
        double mass = allowed == n ? total : ranking.MassOfTop(allowed);
        if (options.TopP < 1.0)
        {
            allowed = Math.Min(allowed, ranking.RankWhereMassReaches(options.TopP * mass, strictly: false) + 1);
            mass = ranking.MassOfTop(allowed);
        }
        if (options.MinP > 0)
        {
            // The top weight is exp(0) = 1, so min-p keeps the weights ≥ min_p, at least the top one.
            int kept = Math.Max(1, VocabularyMath.CountAtLeast(row, (float)options.MinP));
            if (kept < allowed)
            {
                allowed = kept;
                mass = ranking.MassOfTop(allowed);
            }
        }
        int rank = Math.Min(ranking.RankWhereMassReaches(random.NextDouble() * mass, strictly: true), allowed - 1);
        return ranking.IdAt(rank);
    }

    /// <summary>Per-thread buffers, grown on demand and reused for every row the thread samples.</summary>
    private sealed class Scratch
    {
        private float[] work = [];
        private double[] blockSums = [];
        private int[] ids = [];
        private double[] weights = [];

        public Dictionary<int, int> Seen { get; } = [];

        public MassRanking Ranking { get; } = new();

        public float[] Work(int length) => work.Length >= length ? work : work = new float[length];

        public Span<double> BlockSums(int length) => (blockSums.Length >= Blocks(length) ? blockSums : blockSums = new double[Blocks(length)]).AsSpan(0, Blocks(length));

        public Span<int> Ids(int count) => (ids.Length >= count ? ids : ids = new int[count]).AsSpan(0, count);

        public Span<double> Weights(int count) => (weights.Length >= count ? weights : weights = new double[count]).AsSpan(0, count);

        private static int Blocks(int length) => (length + VocabularyMath.BlockSize - 1) / VocabularyMath.BlockSize;
    }
}
