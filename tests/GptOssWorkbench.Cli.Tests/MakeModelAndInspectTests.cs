namespace GptOssWorkbench.Cli.Tests;

using System.Security.Cryptography;
using System.Text.Json;

/// <summary>make-model and inspect through the real gptoss executable.</summary>
public sealed class MakeModelAndInspectTests : IDisposable
{
    private readonly string temp = Path.Combine(Path.GetTempPath(), "gptoss-cli-tests-" + Guid.NewGuid().ToString("N"));

    public MakeModelAndInspectTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    private string Dir(string name) => Path.Combine(temp, name);

    [Theory]
    [InlineData("hf", 1, 79)]
    [InlineData("hf-sharded", 3, 79)]
    [InlineData("original", 1, 63)]
    [InlineData("hf-bf16", 1, 71)]
    public void Tiny_model_in_each_layout_is_written_and_inspected(string layout, int files, int tensors)
    {
        var made = GptOss.Run("make-model", "--preset", "tiny", "--out", Dir(layout), "--layout", layout, "--seed", "4");
        Assert.True(made.ExitCode == 0, made.StdErr);

        var inspected = GptOss.Run("inspect", "--model", Dir(layout));
        Assert.True(inspected.ExitCode == 0, inspected.StdErr);
        using var json = JsonDocument.Parse(inspected.LastLine);
        var root = json.RootElement;
        Assert.Equal(layout, root.GetProperty("layout").GetString());
        Assert.Equal(files, root.GetProperty("files").GetArrayLength());
        // tiny: 4 layers; HF has 3 + 19 per layer, original 3 + 15 (fused qkv), hf-bf16 3 + 17 (no scales).
        Assert.Equal(tensors, root.GetProperty("tensorCount").GetInt32());
        var config = root.GetProperty("config");
        Assert.Equal(4, config.GetProperty("numLayers").GetInt32());
        Assert.Equal(64, config.GetProperty("hiddenSize").GetInt32());
        Assert.Equal(32, config.GetProperty("intermediateSize").GetInt32());
        Assert.Equal(201088, config.GetProperty("vocabSize").GetInt32());
        Assert.Equal(8, config.GetProperty("slidingWindow").GetInt32());

        // Embedding + unembedding alone are 2 · 201088 · 64 bf16 values.
        var bf16 = root.GetProperty("bytesByDtype").GetProperty("BF16").GetInt64();
        Assert.True(bf16 > 2L * 201088 * 64 * 2, $"BF16 bytes {bf16}");
        var memory = root.GetProperty("memory");
        // Per token: 2 full layers · (K + V) · 2 kv heads · 16 dims · 2 bytes.
        Assert.Equal(2 * 2 * 2 * 16 * 2, memory.GetProperty("kvBytesPerToken").GetInt64());
        Assert.Equal(root.GetProperty("bytesByDtype").EnumerateObject().Sum(p => p.Value.GetInt64()), memory.GetProperty("weightBytes").GetInt64());
        Assert.Equal(64, root.GetProperty("fingerprint").GetString()!.Length);
    }

    [Fact]
    public void Same_seed_gives_identical_files_and_fingerprint_different_seed_does_not()
    {
        foreach (var (name, seed) in new[] { ("a", "9"), ("b", "9"), ("c", "10") })
        {
            var made = GptOss.Run("make-model", "--preset", "tiny", "--out", Dir(name), "--layers", "2", "--seed", seed);
            Assert.True(made.ExitCode == 0, made.StdErr);
        }
        string Hash(string dir) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(Dir(dir), "model.safetensors"))));
        Assert.Equal(Hash("a"), Hash("b"));
        Assert.NotEqual(Hash("a"), Hash("c"));

        string Fingerprint(string dir)
        {
            var result = GptOss.Run("inspect", "--model", Dir(dir));
            using var json = JsonDocument.Parse(result.LastLine);
            return json.RootElement.GetProperty("fingerprint").GetString()!;
        }
        Assert.Equal(Fingerprint("a"), Fingerprint("b"));
        Assert.Equal(2, JsonDocument.Parse(GptOss.Run("inspect", "--model", Dir("c")).LastLine).RootElement.GetProperty("config").GetProperty("numLayers").GetInt32());
    }

    [Fact]
    public void Inspect_of_a_broken_checkpoint_fails_with_the_file_and_tensor_on_stderr()
    {
        var made = GptOss.Run("make-model", "--preset", "tiny", "--out", Dir("broken"), "--layers", "1");
        Assert.Equal(0, made.ExitCode);
        var path = Path.Combine(Dir("broken"), "model.safetensors");
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 10);

        var result = GptOss.Run("inspect", "--model", Dir("broken"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(path, result.StdErr);
        Assert.Contains("model.layers.0.mlp.experts.down_proj_bias", result.StdErr);
        Assert.DoesNotContain("{", result.StdOut);
    }

    [Fact]
    public void Inspect_of_a_missing_folder_and_make_model_with_a_bad_preset_or_layout_fail()
    {
        var missing = GptOss.Run("inspect", "--model", Dir("nothing-here"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains(Dir("nothing-here"), missing.StdErr);

        var preset = GptOss.Run("make-model", "--preset", "huge", "--out", Dir("x"));
        Assert.NotEqual(0, preset.ExitCode);
        Assert.Contains("huge", preset.StdErr);

        var layout = GptOss.Run("make-model", "--preset", "tiny", "--out", Dir("y"), "--layout", "gguf");
        Assert.NotEqual(0, layout.ExitCode);
        Assert.Contains("gguf", layout.StdErr);
        Assert.False(File.Exists(Path.Combine(Dir("y"), "config.json")));
    }
}
