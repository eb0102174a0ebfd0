namespace GptOssWorkbench.Cli.Tests;

using System.Text.Json;

public class BenchCommandTests(TinyCheckpoint checkpoint) : IClassFixture<TinyCheckpoint>
{
    [Fact]
    public void Json_has_one_run_per_level_with_the_contract_fields_and_emitted_tokens_equal_generate()
    {
        var bench = GptOss.Run("bench", "--model", checkpoint.Directory, "--concurrency", "1,3", "--prompt-tokens", "9", "--max-tokens", "4",
            "--shared-prefix", "5", "--emit-tokens", "--json");
        Assert.True(bench.ExitCode == 0, bench.StdErr);
        using var json = JsonDocument.Parse(bench.LastLine);
        var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToArray();
        Assert.Equal([1, 3], runs.Select(r => r.GetProperty("concurrency").GetInt32()));
        Assert.Equal([2, 6], runs.Select(r => r.GetProperty("requests").GetInt32())); // default: 2x the concurrency
        foreach (var run in runs)
        {
            int requests = run.GetProperty("requests").GetInt32();
            Assert.Equal(9 * requests, run.GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(4 * requests, run.GetProperty("output_tokens").GetInt32()); // end-of-sequence is ignored
            double seconds = run.GetProperty("seconds").GetDouble();
            Assert.True(seconds > 0);
            // "seconds" is rounded to 0.1 ms: on a fast machine a run of a few ms carries over 1 % of rounding error.
            var rate = 4 * requests / seconds;
            Assert.Equal(rate, run.GetProperty("tokens_per_second").GetDouble(), rate * (0.01 + 0.00005 / seconds));
            Assert.True(run.GetProperty("decode_tokens_per_second").GetDouble() > 0); // 4 tokens: 3 come from decode-only steps
            Assert.True(run.GetProperty("ttft_ms_p50").GetDouble() > 0);
            Assert.True(run.GetProperty("itl_ms_p50").GetDouble() > 0);
            var samples = run.GetProperty("samples").EnumerateArray().ToArray();
            Assert.Equal(requests, samples.Length);
            var prompts = samples.Select(s => s.GetProperty("prompt").EnumerateArray().Select(t => t.GetInt32()).ToArray()).ToArray();
            Assert.All(prompts, p => Assert.Equal(prompts[0][..5], p[..5])); // the shared prefix
            Assert.Equal(requests, prompts.Select(p => string.Join(',', p)).Distinct().Count());
        }

        // Batch invariance checked from outside: every request of the concurrency-3 level equals a lone greedy run.
        foreach (var sample in runs[1].GetProperty("samples").EnumerateArray().Take(3))
        {
            var prompt = string.Join(',', sample.GetProperty("prompt").EnumerateArray().Select(t => t.GetInt32()));
            var output = sample.GetProperty("output").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            var generate = GptOss.Run("generate", "--model", checkpoint.Directory, "--tokens", prompt, "--max-tokens", "4", "--temperature", "0");
            Assert.True(generate.ExitCode == 0, generate.StdErr);
            using var generated = JsonDocument.Parse(generate.LastLine);
            var tokens = generated.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            // generate stops at the checkpoint's eos ids; bench ignores them, so compare the common part.
            Assert.Equal(tokens, output[..tokens.Length]);
        }
    }

    [Fact]
    public void Single_mode_reports_speeds_layers_and_the_bandwidth_limit()
    {
        var bench = GptOss.Run("bench", "--model", checkpoint.Directory, "--single", "--prompt-tokens", "16", "--max-tokens", "3", "--bandwidth-probe-mb", "64", "--json");
        Assert.True(bench.ExitCode == 0, bench.StdErr);
        using var json = JsonDocument.Parse(bench.LastLine);
        var single = json.RootElement.GetProperty("single");
        Assert.True(single.GetProperty("prefill_tokens_per_second").GetDouble() > 0);
        Assert.True(single.GetProperty("decode_tokens_per_second").GetDouble() > 0);
        Assert.Equal(4, single.GetProperty("decode_layer_ms").GetArrayLength()); // the tiny preset has 4 layers
        Assert.True(single.GetProperty("bandwidth_gb_per_second").GetDouble() > 0);
        // Tiny model, fp32: the unembedding alone is 201088 x 64 x 4 bytes.
        Assert.True(single.GetProperty("active_bytes_per_token").GetDouble() > 201088.0 * 64 * 4);
        Assert.True(single.GetProperty("ratio_to_limit").GetDouble() > 0);
    }

    [Fact]
    public void Bad_arguments_fail_with_a_message()
    {
        var bad = GptOss.Run("bench", "--model", checkpoint.Directory, "--concurrency", "1,x", "--json");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--concurrency", bad.StdErr);
        var prefix = GptOss.Run("bench", "--model", checkpoint.Directory, "--prompt-tokens", "4", "--shared-prefix", "9");
        Assert.NotEqual(0, prefix.ExitCode);
        Assert.Contains("--shared-prefix", prefix.StdErr);
    }

    [Fact]
    public void Sampling_options_are_measured_and_the_report_shows_sampling_time_beside_forward_time()
    {
        var bench = GptOss.Run("bench", "--model", checkpoint.Directory, "--concurrency", "2", "--prompt-tokens", "6", "--max-tokens", "5",
            "--temperature", "1", "--top-p", "0.95", "--top-k", "40", "--min-p", "0.01", "--logprobs", "20", "--json");
        Assert.True(bench.ExitCode == 0, bench.StdErr);
        using var json = JsonDocument.Parse(bench.LastLine);
        var run = json.RootElement.GetProperty("runs")[0];
        Assert.Equal(4 * 5, run.GetProperty("output_tokens").GetInt32());
        double seconds = run.GetProperty("seconds").GetDouble();
        double forward = run.GetProperty("forward_seconds").GetDouble();
        double sampling = run.GetProperty("sampling_seconds").GetDouble();
        // Both are parts of the measured wall time: each positive, together no more than it.
        Assert.True(sampling > 0, bench.LastLine);
        Assert.True(forward > 0, bench.LastLine);
        Assert.True(forward + sampling < seconds, bench.LastLine);
        Assert.Contains("sampling", bench.StdErr); // the human table names the column too
    }

    [Theory]
    [InlineData("--top-p", "0", "--top-p")]
    [InlineData("--top-p", "1.5", "--top-p")]
    [InlineData("--top-k", "-1", "--top-k")]
    [InlineData("--min-p", "2", "--min-p")]
    [InlineData("--logprobs", "21", "--logprobs")]
    [InlineData("--logprobs", "-1", "--logprobs")]
    [InlineData("--top-p", "x", "--top-p")]
    public void Bad_sampling_values_fail_naming_the_flag(string flag, string value, string named)
    {
        var bad = GptOss.Run("bench", "--model", checkpoint.Directory, "--concurrency", "1", "--max-tokens", "2", flag, value, "--json");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains(named, bad.StdErr);
        Assert.DoesNotContain("\"runs\"", bad.StdOut); // nothing was measured
    }
}
