namespace GptOssWorkbench.Cli.Tests;

using System.Text.Json;
using System.Text.Json.Nodes;

public class GenerateCommandTests(TinyCheckpoint checkpoint) : IClassFixture<TinyCheckpoint>
{
    private const string Prompt = "12,9000,77";

    [Fact]
    public void Greedy_tokens_are_the_argmax_of_the_logits_command_at_each_step()
    {
        var generated = Generate(checkpoint.Directory, "--max-tokens", "6", "--temperature", "0");
        Assert.Equal(6, generated.Length);

        // Score prompt + all but the last generated token in one logits call: row (prompt-1+i) predicts token i.
        var prompt = Prompt.Split(',').Select(int.Parse).ToArray();
        var sequence = string.Join(',', prompt.Concat(generated[..^1]));
        var logits = GptOss.Run("logits", "--model", checkpoint.Directory, "--tokens", sequence);
        Assert.True(logits.ExitCode == 0, logits.StdErr);
        using var json = JsonDocument.Parse(logits.LastLine);
        var rows = json.RootElement.GetProperty("logits").EnumerateArray().ToArray();
        for (int i = 0; i < generated.Length; i++)
        {
            var row = rows[prompt.Length - 1 + i].EnumerateArray().Select(x => x.GetSingle()).ToArray();
            int best = 0;
            for (int v = 1; v < row.Length; v++) if (row[v] > row[best]) best = v;
            Assert.Equal(best, generated[i]);
        }
    }

    [Fact]
    public void Stop_ids_end_generation_after_the_stop_token()
    {
        var free = Generate(checkpoint.Directory, "--max-tokens", "6", "--temperature", "0");
        int at = Enumerable.Range(1, 5).First(i => Array.IndexOf(free, free[i]) == i);
        var stopped = Generate(checkpoint.Directory, "--max-tokens", "6", "--temperature", "0", "--stop", $"{free[at]},3");
        Assert.Equal(free[..(at + 1)], stopped);
    }

    [Fact]
    public void The_checkpoints_eos_ids_end_generation()
    {
        var free = Generate(checkpoint.Directory, "--max-tokens", "6", "--temperature", "0");
        int at = Enumerable.Range(1, 5).First(i => Array.IndexOf(free, free[i]) == i);

        // Same weights, but generation_config.json names the token greedy decoding reaches at step `at` as eos.
        var copy = Directory.CreateTempSubdirectory("gptoss-eos-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(checkpoint.Directory)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "generation_config.json")))!;
            generation["eos_token_id"] = new JsonArray(200002, free[at]);
            File.WriteAllText(Path.Combine(copy, "generation_config.json"), generation.ToJsonString());
            Assert.Equal(free[..(at + 1)], Generate(copy, "--max-tokens", "6", "--temperature", "0"));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void A_seed_repeats_a_sampled_run_and_max_tokens_bounds_it()
    {
        var first = Generate(checkpoint.Directory, "--max-tokens", "8", "--temperature", "1", "--seed", "5", "--top-p", "0.95", "--top-k", "50");
        var again = Generate(checkpoint.Directory, "--max-tokens", "8", "--temperature", "1", "--seed", "5", "--top-p", "0.95", "--top-k", "50");
        var other = Generate(checkpoint.Directory, "--max-tokens", "8", "--temperature", "1", "--seed", "6", "--top-p", "0.95", "--top-k", "50");
        Assert.Equal(8, first.Length);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("--top-p", "0", "top_p")]
    [InlineData("--stop", "5,-1", "'-1' is not a token id")]
    [InlineData("--temperature", "-0.5", "temperature")]
    public void Invalid_options_fail_with_a_message(string option, string value, string message)
    {
        var result = GptOss.Run("generate", "--model", checkpoint.Directory, "--tokens", Prompt, option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.StdErr);
    }

    private static int[] Generate(string model, params string[] options)
    {
        var result = GptOss.Run(["generate", "--model", model, "--tokens", Prompt, .. options]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.LastLine);
        return json.RootElement.GetProperty("tokens").EnumerateArray().Select(x => x.GetInt32()).ToArray();
    }
}
