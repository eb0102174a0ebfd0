namespace GptOssWorkbench.Cli.Tests;

using System.Text.Json;

public class LogitsCommandTests(TinyCheckpoint checkpoint) : IClassFixture<TinyCheckpoint>
{
    private const int Vocab = 201088;

    [Fact]
    public void Prints_one_finite_full_vocabulary_row_per_prompt_position()
    {
        var rows = Logits("7,1000,200005,42");
        Assert.Equal(4, rows.Length);
        Assert.All(rows, row =>
        {
            Assert.Equal(Vocab, row.Length);
            Assert.All(row, x => Assert.True(float.IsFinite(x)));
        });
        // Different positions see different prefixes, so their rows differ.
        Assert.NotEqual(rows[0], rows[1]);
    }

    [Fact]
    public void A_position_depends_only_on_its_prefix()
    {
        var longer = Logits("7,1000,200005,42");
        var shorter = Logits("7,1000");
        for (int p = 0; p < 2; p++)
        {
            for (int v = 0; v < Vocab; v++) Assert.True(Math.Abs(longer[p][v] - shorter[p][v]) <= 1e-4 + 1e-5 * Math.Abs(longer[p][v]), $"position {p}, id {v}");
        }
    }

    [Fact]
    public void Bf16_stays_close_to_the_fp32_default_except_where_routing_flips()
    {
        var fp32 = Logits("7,1000,200005,42");
        var bf16 = Logits("7,1000,200005,42", "--dtype", "bf16");
        var relative = fp32.Select((row, p) => row.Zip(bf16[p], (a, b) => Math.Abs(a - b)).Max() / row.Max(Math.Abs)).ToArray();
        Assert.All(relative, r => Assert.True(r > 0, "bf16 must really run in bf16"));
        // The synthetic router's logits are nearly tied (std ~0.15 over 8 experts), so bf16 rounding flips a top-4
        // choice at some positions (spec section 9; here at position 2, which later positions attend to).
        // Positions without a flip agree to within 2% of the largest logit.
        Assert.True(relative.Count(r => r <= 0.02) >= 2, "relative differences: " + string.Join(", ", relative.Select(r => r.ToString("P2"))));
    }

    [Theory]
    [InlineData("1,x,3", "'x' is not a token id")]
    [InlineData("1,201088", "201088 is outside the vocabulary")]
    [InlineData("", "at least one token id")]
    public void Bad_tokens_fail_with_a_message_on_stderr(string tokens, string message)
    {
        var result = GptOss.Run("logits", "--model", checkpoint.Directory, "--tokens", tokens);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.StdErr);
        Assert.DoesNotContain("logits", result.StdOut);
    }

    [Fact]
    public void Missing_model_folder_fails_with_its_path()
    {
        var missing = Path.Combine(checkpoint.Directory, "no-such-model");
        var result = GptOss.Run("logits", "--model", missing, "--tokens", "1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no-such-model", result.StdErr);
    }

    [Fact]
    public void Unknown_dtype_is_rejected()
    {
        var result = GptOss.Run("logits", "--model", checkpoint.Directory, "--tokens", "1", "--dtype", "fp8");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("fp8", result.StdErr);
    }

    private float[][] Logits(string tokens, params string[] extra)
    {
        var result = GptOss.Run(["logits", "--model", checkpoint.Directory, "--tokens", tokens, .. extra]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.LastLine);
        return json.RootElement.GetProperty("logits").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray();
    }
}
