namespace GptOssWorkbench.Web.Tests.Review;

using GptOssWorkbench.Web.Review;

public sealed class AgreementTests
{
    [Fact]
    public void Cohens_kappa_matches_the_textbook_yes_no_example()
    {
        // Wikipedia's example: 50 items, both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
        // p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, kappa = 0.4.
        var pairs = new List<(int, int)>();
        pairs.AddRange(Enumerable.Repeat((1, 1), 20));
        pairs.AddRange(Enumerable.Repeat((1, 0), 5));
        pairs.AddRange(Enumerable.Repeat((0, 1), 10));
        pairs.AddRange(Enumerable.Repeat((0, 0), 15));

        Assert.Equal(0.4, Agreement.CohensKappa(pairs), 10);
    }

    [Fact]
    public void Cohens_kappa_is_one_for_identical_raters_and_undefined_without_variation()
    {
        Assert.Equal(1.0, Agreement.CohensKappa([(1, 1), (3, 3), (5, 5)]), 10);
        Assert.True(double.IsNaN(Agreement.CohensKappa([(4, 4), (4, 4)])));
    }

    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers × 12 units example
    // with missing values. Published: nominal 0.743, ordinal 0.815, interval 0.849.
    private static readonly int?[][] Reliability =
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
        [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];

    private static IEnumerable<IReadOnlyList<int>> Units() =>
        Enumerable.Range(0, 12).Select(u => (IReadOnlyList<int>)Reliability.Where(r => r[u] is not null).Select(r => r[u]!.Value).ToList());

    [Theory]
    [InlineData(AgreementLevel.Nominal, 0.743)]
    [InlineData(AgreementLevel.Ordinal, 0.815)]
    [InlineData(AgreementLevel.Interval, 0.849)]
    public void Krippendorffs_alpha_matches_the_published_example(AgreementLevel level, double published)
    {
        Assert.Equal(published, Agreement.KrippendorffsAlpha(Units(), level), 3);
    }

    [Fact]
    public void Krippendorffs_alpha_is_one_for_perfect_agreement_and_ignores_singly_rated_units()
    {
        IReadOnlyList<int>[] units = [[1, 1], [3, 3, 3], [5, 5], [2]];
        Assert.Equal(1.0, Agreement.KrippendorffsAlpha(units, AgreementLevel.Interval), 10);
    }
}
