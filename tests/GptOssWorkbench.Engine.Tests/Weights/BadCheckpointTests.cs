namespace GptOssWorkbench.Engine.Tests.Weights;

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Safetensors;
using GptOssWorkbench.Engine.Weights.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>Each test writes a good tiny checkpoint, breaks one thing, and checks that loading names the file and the tensor or field.</summary>
public class BadCheckpointTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public BadCheckpointTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => temp.Dispose();

    private string Good(CheckpointLayout layout = CheckpointLayout.HfSingle)
    {
        var dir = temp.Sub(layout.Name());
        SyntheticCheckpointWriter.Write(dir, ModelPresets.Get("tiny", layers: 1) with { VocabSize = 256 }, layout, seed: 3);
        using (CheckpointLoader.Open(dir)) { } // the unbroken checkpoint loads
        return dir;
    }

    private static string ModelFile(string dir) => Path.Combine(dir, "model.safetensors");

    private static CheckpointException LoadFails(string dir) => Assert.Throws<CheckpointException>(() => CheckpointLoader.Open(dir).Dispose());

    /// <summary>Rewrites a safetensors file after changing its list of tensors.</summary>
    private static void RewriteTensors(string path, Func<List<PendingTensor>, List<PendingTensor>> change)
    {
        var rewritten = path + ".new";
        using (var file = SafetensorsFile.Open(path))
        {
            var tensors = file.Header.Tensors.Values.OrderBy(e => e.Begin).Select(e => PendingTensor.Of(e.Name, file.Get(e.Name))).ToList();
            SafetensorsWriter.Write(rewritten, change(tensors));
        }
        File.Move(rewritten, path, overwrite: true);
    }

    private static List<PendingTensor> Replace(List<PendingTensor> tensors, string name, Tensor replacement) =>
        [.. tensors.Select(t => t.Name == name ? PendingTensor.Of(name, replacement) : t)];

    /// <summary>Rewrites only the JSON header of a safetensors file, keeping its data bytes.</summary>
    private static void RewriteHeader(string path, Action<JsonObject> change)
    {
        var bytes = File.ReadAllBytes(path);
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, length))!.AsObject();
        change(header);
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        var newHeader = json.Concat(Enumerable.Repeat((byte)' ', padded - json.Length)).ToArray();
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)newHeader.Length);
        File.WriteAllBytes(path, [.. prefix, .. newHeader, .. bytes[(8 + length)..]]);
    }

    private static void AssertNames(CheckpointException error, params string[] parts)
    {
        foreach (var part in parts) Assert.Contains(part, error.Message);
    }

    [Fact]
    public void Missing_tensor_names_file_and_tensor()
    {
        var dir = Good();
        const string name = "model.layers.0.self_attn.k_proj.bias";
        RewriteTensors(ModelFile(dir), tensors => [.. tensors.Where(t => t.Name != name)]);
        AssertNames(LoadFails(dir), ModelFile(dir), $"'{name}'", "missing");
    }

    [Fact]
    public void Wrong_shape_names_file_tensor_and_both_shapes()
    {
        var dir = Good();
        const string name = "model.layers.0.mlp.router.bias";
        using var wrong = zeros(new long[] { 9 }, ScalarType.BFloat16);
        RewriteTensors(ModelFile(dir), tensors => Replace(tensors, name, wrong));
        AssertNames(LoadFails(dir), ModelFile(dir), $"'{name}'", "[9]", "expected [8]");
    }

    [Fact]
    public void Wrong_dtype_names_file_tensor_and_dtype()
    {
        var dir = Good();
        const string name = "model.layers.0.input_layernorm.weight";
        using var wrong = ones(new long[] { 64 }, ScalarType.Float16);
        RewriteTensors(ModelFile(dir), tensors => Replace(tensors, name, wrong));
        AssertNames(LoadFails(dir), ModelFile(dir), $"'{name}'", "F16", "BF16");
    }

    [Fact]
    public void Signed_bytes_for_mxfp4_blocks_are_a_wrong_dtype()
    {
        var dir = Good(CheckpointLayout.Original);
        const string name = "block.0.mlp.mlp1_weight.blocks";
        using var wrong = zeros(new long[] { 8, 64, 2, 16 }, ScalarType.Int8);
        RewriteTensors(ModelFile(dir), tensors => Replace(tensors, name, wrong));
        AssertNames(LoadFails(dir), ModelFile(dir), $"'{name}'", "I8", "expected U8");
    }

    [Fact]
    public void Truncated_file_names_file_and_the_tensor_cut_off()
    {
        var dir = Good();
        var path = ModelFile(dir);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 100);
        // The writer stores tensors in order; the last one is the layer's down_proj_bias.
        AssertNames(LoadFails(dir), path, "'model.layers.0.mlp.experts.down_proj_bias'", "truncated");
    }

    [Fact]
    public void Header_offsets_beyond_the_file_name_file_and_tensor()
    {
        var dir = Good();
        var path = ModelFile(dir);
        var far = new FileInfo(path).Length;
        RewriteHeader(path, header => header["model.norm.weight"]!["data_offsets"] = new JsonArray(far, far + 128));
        AssertNames(LoadFails(dir), path, "'model.norm.weight'", "beyond the file");
    }

    [Fact]
    public void Header_length_mismatch_names_file_and_tensor()
    {
        var dir = Good();
        var path = ModelFile(dir);
        RewriteHeader(path, header =>
        {
            var offsets = header["model.norm.weight"]!["data_offsets"]!.AsArray();
            offsets[1] = offsets[1]!.GetValue<long>() - 2;
        });
        AssertNames(LoadFails(dir), path, "'model.norm.weight'", "126 bytes", "needs 128");
    }

    [Fact]
    public void Header_length_beyond_the_file_names_the_file()
    {
        var dir = Good();
        var path = ModelFile(dir);
        var length = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.Write(BitConverter.GetBytes((ulong)length));
        }
        AssertNames(LoadFails(dir), path, $"header length {length}", "not sane");
    }

    [Fact]
    public void Folder_without_config_is_an_unknown_layout()
    {
        var dir = Good();
        File.Delete(Path.Combine(dir, "config.json"));
        AssertNames(LoadFails(dir), dir, "unknown layout", "config.json");
    }

    [Fact]
    public void Hf_config_without_weight_files_is_an_unknown_layout()
    {
        var dir = Good();
        File.Delete(ModelFile(dir));
        AssertNames(LoadFails(dir), dir, "unknown layout", "model.safetensors", "model.safetensors.index.json");
    }

    [Fact]
    public void Hf_weights_without_any_expert_tensors_are_an_unknown_layout()
    {
        var dir = Good();
        RewriteTensors(ModelFile(dir), tensors => [.. tensors.Where(t => !t.Name.Contains("gate_up_proj_blocks"))]);
        AssertNames(LoadFails(dir), ModelFile(dir), "unknown layout", "'model.layers.0.mlp.experts.gate_up_proj_blocks'");
    }

    [Fact]
    public void Config_missing_a_field_names_config_and_field()
    {
        var dir = Good();
        var configPath = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config.Remove("num_key_value_heads");
        File.WriteAllText(configPath, config.ToJsonString());
        AssertNames(LoadFails(dir), configPath, "'num_key_value_heads'");
    }

    [Fact]
    public void Config_dimension_disagreeing_with_the_tensors_names_file_and_tensor()
    {
        var dir = Good(CheckpointLayout.Original);
        var configPath = Path.Combine(dir, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"));
        // With 4 kv heads the fused qkv would need (4 + 2·4)·16 = 192 rows; the file has 128.
        AssertNames(LoadFails(dir), ModelFile(dir), "'block.0.attn.qkv.weight'", "[128, 64]", "expected [192, 64]");
    }

    [Fact]
    public void Shard_named_by_the_index_but_absent_names_index_file_and_tensor()
    {
        var dir = Good(CheckpointLayout.HfSharded);
        File.Delete(Path.Combine(dir, "model-00001-of-00002.safetensors"));
        var error = LoadFails(dir);
        AssertNames(error, Path.Combine(dir, "model.safetensors.index.json"), "model-00001-of-00002.safetensors", "does not exist", "tensor '");
    }

    [Fact]
    public void Index_pointing_to_the_wrong_shard_names_the_shard_and_tensor()
    {
        var dir = Good(CheckpointLayout.HfSharded);
        var indexPath = Path.Combine(dir, "model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();
        var map = index["weight_map"]!.AsObject();
        const string name = "model.layers.0.mlp.experts.down_proj_scales";
        var actualShard = map[name]!.GetValue<string>();
        var otherShard = actualShard == "model-00000-of-00002.safetensors" ? "model-00001-of-00002.safetensors" : "model-00000-of-00002.safetensors";
        map[name] = otherShard;
        File.WriteAllText(indexPath, index.ToJsonString());
        AssertNames(LoadFails(dir), Path.Combine(dir, otherShard), $"'{name}'", "missing");
    }

    [Fact]
    public void Loading_and_writing_into_tensors_never_changes_the_files()
    {
        var dir = Good();
        var before = SHA256.HashData(File.ReadAllBytes(ModelFile(dir)));
        using (var weights = CheckpointLoader.Load(dir))
        {
            // The mapping is private copy-on-write: an in-place change stays in memory.
            weights.FinalNorm.add_(1);
            weights.Layers[0].Experts.GateUpPacked!.Blocks.fill_(0);
        }
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(ModelFile(dir))));
    }

    [Fact]
    public void Float32_norms_are_accepted_as_hf_conversion_may_write_them()
    {
        var dir = Good();
        float[] values = [.. Enumerable.Range(0, 64).Select(i => 1f + i / 64f)];
        using var norm = tensor(values);
        RewriteTensors(ModelFile(dir), tensors => Replace(tensors, "model.norm.weight", norm));
        using var weights = CheckpointLoader.Load(dir);
        Assert.Equal(ScalarType.Float32, weights.FinalNorm.dtype);
        Assert.Equal(values, weights.FinalNorm.data<float>().ToArray());
    }
}
