namespace GptOssWorkbench.Cli.Tests;

using System.Globalization;
using System.Text.RegularExpressions;

public class JobsBenchCommandTests(TinyCheckpoint checkpoint) : IClassFixture<TinyCheckpoint>
{
    [Fact]
    public void Reports_both_paths_per_round_the_time_split_and_the_median_ratio()
    {
        var bench = GptOss.Run("jobs-bench", "--model", checkpoint.Directory, "--requests", "3", "--concurrency", "2", "--max-tokens", "3", "--rounds", "2");

        Assert.True(bench.ExitCode == 0, bench.StdErr + bench.StdOut);
        Assert.Equal(2, Regex.Matches(bench.StdOut, @"^round \d", RegexOptions.Multiline).Count);
        // Every job ran through the pipeline and was counted: 3 requests × up to 3 tokens each round.
        Assert.Equal(2, Regex.Matches(bench.StdOut, @"^jobs finished: Succeeded/", RegexOptions.Multiline).Count);
        var ratios = Regex.Matches(bench.StdOut, @"^jobs / direct : ([\d.]+) %", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, ratios.Count);
        Assert.All(ratios, r => Assert.True(r > 0, $"ratio {r}"));
        var median = Regex.Match(bench.StdOut, @"median of 2: ([\d.]+) %");
        Assert.True(median.Success, bench.StdOut);
        Assert.Equal(ratios.Average(), double.Parse(median.Groups[1].Value, CultureInfo.InvariantCulture), 0.11);
        Assert.Matches(@"per job: claimed→finished [\d.]+ s, of which engine", bench.StdOut);
    }

    [Fact]
    public void Zero_rounds_is_refused_naming_the_option()
    {
        var bench = GptOss.Run("jobs-bench", "--model", checkpoint.Directory, "--rounds", "0");

        Assert.NotEqual(0, bench.ExitCode);
        Assert.Contains("--rounds", bench.StdErr + bench.StdOut);
    }
}
