namespace GptOssWorkbench.Engine.Sampling;

using System.Numerics;
using System.Runtime.InteropServices;

/// <summary>
/// The few passes over a vocabulary row (201,088 floats for gpt-oss) that sampling needs, vectorised with
/// <see cref="Vector{T}"/> (256-bit here; DOTNET_PreferredVectorBitWidth=512 makes it 512) and a scalar tail.
/// Every pass reads the row once and allocates nothing: a pass over the row costs tens of microseconds, a
/// managed copy of it or a sort of it milliseconds.
/// </summary>
internal static class VocabularyMath
{
    /// <summary>Elements per partial sum that <see cref="ExpInPlace"/> records, so a draw scans one block, not the row.</summary>
    public const int BlockSize = 2048;

    public static float Max(ReadOnlySpan<float> values)
    {
        int width = Vector<float>.Count, i = 0;
        float max = float.NegativeInfinity;
        if (values.Length >= width)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            var best = vectors[0];
            for (int v = 1; v < vectors.Length; v++) best = Vector.Max(best, vectors[v]);
            for (int lane = 0; lane < width; lane++) max = MathF.Max(max, best[lane]);
            i = vectors.Length * width;
        }
        for (; i < values.Length; i++) max = MathF.Max(max, values[i]);
        return max;
    }

    /// <summary>The lowest index holding the maximum (the greedy tie rule), or 0 for a row of NaNs.</summary>
    public static int IndexOfMax(ReadOnlySpan<float> values)
    {
        float max = Max(values);
        int index = values.IndexOf(max); // vectorised equality search
        return index < 0 ? 0 : index;
    }

    /// <summary>
    /// values[i] = exp((values[i] - shift) * scale) in place; returns the sum, and each <see cref="BlockSize"/>
    /// block's sum in <paramref name="blockSums"/>. Lanes add in float within a block, blocks in double.
    /// </summary>
    public static double ExpInPlace(Span<float> values, float shift, float scale, Span<double> blockSums)
    {
        double total = 0;
        var shifts = new Vector<float>(shift);
        var scales = new Vector<float>(scale);
        for (int block = 0, start = 0; start < values.Length; block++, start += BlockSize)
        {
            var part = values.Slice(start, Math.Min(BlockSize, values.Length - start));
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(part);
            var sums = Vector<float>.Zero;
            for (int v = 0; v < vectors.Length; v++)
            {
                var e = Vector.Exp((vectors[v] - shifts) * scales);
                vectors[v] = e;
                sums += e;
            }
            double sum = Vector.Sum(sums);
            for (int i = vectors.Length * Vector<float>.Count; i < part.Length; i++) sum += part[i] = MathF.Exp((part[i] - shift) * scale);
            blockSums[block] = sum;
            total += sum;
        }
        return total;
    }

    /// <summary>Σ exp(values[i] - shift), without writing anything (the log-softmax's normaliser).</summary>
    public static double SumExp(ReadOnlySpan<float> values, float shift)
    {
        double total = 0;
        var shifts = new Vector<float>(shift);
        for (int start = 0; start < values.Length; start += BlockSize)
        {
            var part = values.Slice(start, Math.Min(BlockSize, values.Length - start));
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(part);
            var sums = Vector<float>.Zero;
            for (int v = 0; v < vectors.Length; v++) sums += Vector.Exp(vectors[v] - shifts);
            double sum = Vector.Sum(sums);
            for (int i = vectors.Length * Vector<float>.Count; i < part.Length; i++) sum += MathF.Exp(part[i] - shift);
            total += sum;
        }
        return total;
    }

    public static int CountAtLeast(ReadOnlySpan<float> values, float threshold)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var limit = new Vector<float>(threshold);
        var counts = Vector<int>.Zero;
        // A true lane is -1, so subtracting the mask counts it.
        for (int v = 0; v < vectors.Length; v++) counts -= Vector.GreaterThanOrEqual(vectors[v], limit);
        int count = Vector.Sum(counts);
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            if (values[i] >= threshold) count++;
        }
        return count;
    }

    /// <summary>Appends the indices i with low ≤ values[i] &lt; high to <paramref name="into"/>, in index order.</summary>
    public static void IndicesInRange(ReadOnlySpan<float> values, float low, float high, List<int> into)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var lows = new Vector<float>(low);
        var highs = new Vector<float>(high);
        int width = Vector<float>.Count;
        for (int v = 0; v < vectors.Length; v++)
        {
            var hit = Vector.GreaterThanOrEqual(vectors[v], lows) & Vector.LessThan(vectors[v], highs);
            if (hit == Vector<int>.Zero) continue;
            for (int lane = 0; lane < width; lane++)
            {
                if (hit[lane] != 0) into.Add(v * width + lane);
            }
        }
        for (int i = vectors.Length * width; i < values.Length; i++)
        {
            if (values[i] >= low && values[i] < high) into.Add(i);
        }
    }

    /// <summary>
    /// The <paramref name="count"/> largest values, largest first, equal values lower index first, written to
    /// <paramref name="ids"/>; returns how many were found (fewer only for a shorter row). A vector of the row is
    /// looked at lane by lane only while one of its lanes beats the current last place, which after the first few
    /// thousand entries is rare: a partial selection, not a sort.
    /// </summary>
    public static int Largest(ReadOnlySpan<float> values, int count, Span<int> ids)
    {
        count = Math.Min(count, values.Length);
        if (count == 0) return 0;
        int found = 0;
        float last = float.NegativeInfinity; // value at ids[count - 1] once the list is full
        int width = Vector<float>.Count;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        for (int v = 0; v < vectors.Length; v++)
        {
            if (found == count && !Vector.GreaterThanAny(vectors[v], new Vector<float>(last))) continue;
            for (int lane = 0; lane < width; lane++) Offer(values, v * width + lane, count, ids, ref found, ref last);
        }
        for (int i = vectors.Length * width; i < values.Length; i++) Offer(values, i, count, ids, ref found, ref last);
        return found;
    }

    private static void Offer(ReadOnlySpan<float> values, int index, int count, Span<int> ids, ref int found, ref float last)
    {
        float value = values[index];
        // Indices arrive in increasing order, so an equal value never displaces an earlier one; NaN never enters.
        if (found == count ? !(value > last) : float.IsNaN(value)) return;
        int at = found == count ? count - 1 : found++;
        while (at > 0 && values[ids[at - 1]] < value)
        {
            ids[at] = ids[at - 1];
            at--;
        }
        ids[at] = index;
        if (found == count) last = values[ids[count - 1]];
    }
}
