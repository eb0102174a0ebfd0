namespace GptOssWorkbench.Engine.Sampling;

/// <summary>
/// Answers "which token is at rank r" and "where does the cumulative probability, most likely first, reach x"
/// over a whole vocabulary of weights without sorting it. The bits of a non-negative float grow with its value,
/// so one pass drops every weight into a bucket by its top bits (256 buckets per power of two, weights below
/// 2^-24 of the top one share the lowest bucket) and adds up each bucket's count and mass. A question then walks
/// the buckets from the top and sorts only the one bucket where the answer lies (a few hundred entries even for
/// a flat distribution). Order: larger weight first, equal weights lower id first.
/// </summary>
internal sealed class MassRanking
{
    private const int Shift = 15;
    private static readonly int Base = BitConverter.SingleToInt32Bits(MathF.Pow(2, -24));
    private static readonly int Buckets = ((BitConverter.SingleToInt32Bits(1f) - Base) >> Shift) + 2;

    private readonly int[] counts = new int[Buckets];
    private readonly double[] masses = new double[Buckets];
    private readonly Dictionary<int, int[]> sorted = [];
    private readonly List<int> gathered = [];
    private float[] weights = [];
    private int length;

    /// <summary>Indexes <paramref name="row"/>'s first <paramref name="count"/> weights (all ≥ 0, at most 1); the array must stay unchanged while in use.</summary>
    public void Index(float[] row, int count)
    {
        weights = row;
        length = count;
        Array.Clear(counts);
        Array.Clear(masses);
        sorted.Clear();
        for (int i = 0; i < count; i++)
        {
            int bucket = Bucket(row[i]);
            counts[bucket]++;
            masses[bucket] += row[i];
        }
    }

    /// <summary>Id of the entry at 0-based <paramref name="rank"/>.</summary>
    public int IdAt(int rank)
    {
        int before = 0;
        for (int b = Buckets - 1; b >= 0; b--)
        {
            if (before + counts[b] > rank) return Sorted(b)[rank - before];
            before += counts[b];
        }
        throw new ArgumentOutOfRangeException(nameof(rank));
    }

    /// <summary>Total weight of the <paramref name="length"/> highest-ranked entries.</summary>
    public double MassOfTop(int count)
    {
        double mass = 0;
        int before = 0;
        for (int b = Buckets - 1; b >= 0 && before < count; b--)
        {
            if (before + counts[b] <= count)
            {
                mass += masses[b];
                before += counts[b];
                continue;
            }
            var ids = Sorted(b);
            for (int j = 0; before + j < count; j++) mass += weights[ids[j]];
            break;
        }
        return mass;
    }

    /// <summary>
    /// 0-based rank of the first entry at which the cumulative weight (most likely first) reaches
    /// <paramref name="target"/> (≥, or &gt; when <paramref name="strictly"/>); the last entry if rounding left it short.
    /// </summary>
    public int RankWhereMassReaches(double target, bool strictly)
    {
        double cumulative = 0;
        int before = 0, lastNonEmpty = -1;
        for (int b = Buckets - 1; b >= 0; b--)
        {
            if (counts[b] == 0) continue;
            lastNonEmpty = b;
            double after = cumulative + masses[b];
            if (strictly ? after > target : after >= target)
            {
                var ids = Sorted(b);
                for (int j = 0; j < ids.Length; j++)
                {
                    cumulative += weights[ids[j]];
                    if (strictly ? cumulative > target : cumulative >= target) return before + j;
                }
                return before + ids.Length - 1; // the bucket's sum and the entries' running sum rounded apart
            }
            cumulative = after;
            before += counts[b];
        }
        return lastNonEmpty < 0 ? 0 : length - 1;
    }

    private static int Bucket(float weight)
    {
        int bits = BitConverter.SingleToInt32Bits(weight);
        if (bits < Base || float.IsNaN(weight)) return 0; // also -0 and anything negative
        return Math.Min(((bits - Base) >> Shift) + 1, Buckets - 1); // rounding above 1 lands on top rather than outside
    }

    /// <summary>The ids in bucket <paramref name="bucket"/>, ranked; gathered by one vectorised pass over the row.</summary>
    private int[] Sorted(int bucket)
    {
        if (sorted.TryGetValue(bucket, out var ids)) return ids;
        gathered.Clear();
        if (bucket == 0)
        {
            // Scalar, for NaN: only a question at the very bottom of the distribution comes here.
            for (int i = 0; i < length; i++)
            {
                if (Bucket(weights[i]) == bucket) gathered.Add(i);
            }
        }
        else
        {
            float low = BitConverter.Int32BitsToSingle(Base + ((bucket - 1) << Shift));
            float high = bucket == Buckets - 1 ? float.PositiveInfinity : BitConverter.Int32BitsToSingle(Base + (bucket << Shift));
            VocabularyMath.IndicesInRange(weights.AsSpan(0, length), low, high, gathered);
        }
        ids = gathered.ToArray();
        var keys = weights;
        Array.Sort(ids, (x, y) => keys[x] != keys[y] ? keys[y].CompareTo(keys[x]) : x.CompareTo(y));
        sorted[bucket] = ids;
        return ids;
    }
}
