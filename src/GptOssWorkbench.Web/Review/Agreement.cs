namespace GptOssWorkbench.Web.Review;

/// <summary>How far apart two scores are for Krippendorff's alpha.</summary>
public enum AgreementLevel
{
    Nominal,
    Ordinal,
    Interval,
}

/// <summary>Inter-rater agreement statistics over integer scores (the 1–5 ratings).</summary>
public static class Agreement
{
    /// <summary>
    /// Cohen's kappa for two raters who scored the same units: (p_o − p_e) / (1 − p_e). Returns NaN when
    /// chance agreement is already perfect (both raters gave one and the same value to everything).
    /// </summary>
    public static double CohensKappa(IReadOnlyList<(int First, int Second)> pairs)
    {
        if (pairs.Count == 0)
            return double.NaN;
        double n = pairs.Count;
        var observed = pairs.Count(p => p.First == p.Second) / n;
        var values = pairs.SelectMany(p => new[] { p.First, p.Second }).Distinct();
        var expected = values.Sum(v => pairs.Count(p => p.First == v) / n * (pairs.Count(p => p.Second == v) / n));
        return expected >= 1 ? double.NaN : (observed - expected) / (1 - expected);
    }

    /// <summary>
    /// Krippendorff's alpha: 1 − D_o / D_e from the coincidence matrix (Krippendorff 2011, "Computing
    /// Krippendorff's Alpha-Reliability"). <paramref name="units"/> holds, per unit, the values the raters
    /// gave (missing ratings simply absent); units with fewer than two values are not pairable and ignored.
    /// </summary>
    public static double KrippendorffsAlpha(IEnumerable<IReadOnlyList<int>> units, AgreementLevel level)
    {
        var pairable = units.Where(u => u.Count >= 2).ToList();
        var values = pairable.SelectMany(u => u).Distinct().Order().ToArray();
        if (values.Length == 0)
            return double.NaN;
        var index = values.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);
        var k = values.Length;

        // o[c,k] = Σ_units (number of c–k pairs from different raters) / (m_u − 1)
        var coincidences = new double[k, k];
        foreach (var unit in pairable)
        {
            for (var i = 0; i < unit.Count; i++)
                for (var j = 0; j < unit.Count; j++)
                    if (i != j)
                        coincidences[index[unit[i]], index[unit[j]]] += 1.0 / (unit.Count - 1);
        }
        var marginals = new double[k];
        for (var c = 0; c < k; c++)
            for (var d = 0; d < k; d++)
                marginals[c] += coincidences[c, d];
        var total = marginals.Sum();

        double observed = 0, expected = 0;
        for (var c = 0; c < k; c++)
            for (var d = 0; d < k; d++)
            {
                var delta = Distance(level, values, marginals, c, d);
                observed += coincidences[c, d] * delta;
                expected += marginals[c] * marginals[d] * delta;
            }
        if (expected == 0)
            return double.NaN;
        return 1 - (total - 1) * observed / expected;
    }

    private static double Distance(AgreementLevel level, int[] values, double[] marginals, int c, int d)
    {
        if (c == d)
            return 0;
        switch (level)
        {
            case AgreementLevel.Nominal:
                return 1;
            case AgreementLevel.Interval:
                return Math.Pow(values[c] - values[d], 2);
            default:
                // Ordinal: the squared count of values between c and d (ends counted half), so the distance
                // follows how the scale is used, not the numbers written on it.
                var (low, high) = c < d ? (c, d) : (d, c);
                var sum = 0.0;
                for (var g = low; g <= high; g++)
                    sum += marginals[g];
                sum -= (marginals[low] + marginals[high]) / 2;
                return sum * sum;
        }
    }
}
