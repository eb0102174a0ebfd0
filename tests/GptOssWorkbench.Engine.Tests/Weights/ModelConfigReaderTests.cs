namespace GptOssWorkbench.Engine.Tests.Weights;

using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;

public class ModelConfigReaderTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    // The published gpt-oss-20b config.json (HF flavour), spec 5.2.
    private const string Hf20bConfig = """
    {
      "architectures": ["GptOssForCausalLM"], "attention_bias": true, "attention_dropout": 0.0, "eos_token_id": 200002,
      "experts_per_token": 4, "head_dim": 64, "hidden_act": "silu", "hidden_size": 2880, "initial_context_length": 4096,
      "initializer_range": 0.02, "intermediate_size": 2880,
      "layer_types": ["sliding_attention","full_attention","sliding_attention","full_attention","sliding_attention","full_attention",
        "sliding_attention","full_attention","sliding_attention","full_attention","sliding_attention","full_attention",
        "sliding_attention","full_attention","sliding_attention","full_attention","sliding_attention","full_attention",
        "sliding_attention","full_attention","sliding_attention","full_attention","sliding_attention","full_attention"],
      "max_position_embeddings": 131072, "model_type": "gpt_oss", "num_attention_heads": 64, "num_experts_per_tok": 4,
      "num_hidden_layers": 24, "num_key_value_heads": 8, "num_local_experts": 32, "output_router_logits": false,
      "pad_token_id": 199999,
      "quantization_config": {"modules_to_not_convert": ["model.layers.*.self_attn","model.layers.*.mlp.router","model.embed_tokens","lm_head"], "quant_method": "mxfp4"},
      "rms_norm_eps": 1e-05,
      "rope_scaling": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 32.0, "original_max_position_embeddings": 4096, "rope_type": "yarn", "truncate": false},
      "rope_theta": 150000, "router_aux_loss_coef": 0.9, "sliding_window": 128, "swiglu_limit": 7.0, "tie_word_embeddings": false,
      "transformers_version": "4.55.0.dev0", "use_cache": true, "vocab_size": 201088
    }
    """;

    private const string GenerationConfig = """
    {"bos_token_id": 199998, "do_sample": true, "eos_token_id": [200002, 199999, 200012], "pad_token_id": 199999, "transformers_version": "4.55.0.dev0"}
    """;

    // The published original/config.json of gpt-oss-120b, spec 5.3.
    private const string Original120bConfig = """
    {"num_hidden_layers": 36, "num_experts": 128, "experts_per_token": 4, "vocab_size": 201088, "hidden_size": 2880,
     "intermediate_size": 2880, "swiglu_limit": 7.0, "head_dim": 64, "num_attention_heads": 64, "num_key_value_heads": 8,
     "sliding_window": 128, "initial_context_length": 4096, "rope_theta": 150000, "rope_scaling_factor": 32.0,
     "rope_ntk_alpha": 1.0, "rope_ntk_beta": 32.0}
    """;

    private string Folder(string name, string config, string? generation = null)
    {
        var dir = temp.Sub(name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), config);
        if (generation is not null) File.WriteAllText(Path.Combine(dir, "generation_config.json"), generation);
        return dir;
    }

    [Fact]
    public void Published_hf_config_gives_the_20b_dimensions_and_generation_eos_ids()
    {
        var config = ModelConfigReader.Read(Folder("hf", Hf20bConfig, GenerationConfig), out var flavour);

        Assert.Equal(ConfigFlavour.HuggingFace, flavour);
        Assert.Equal(24, config.NumLayers);
        Assert.Equal(32, config.NumExperts);
        Assert.Equal(4, config.ExpertsPerToken);
        Assert.Equal(2880, config.HiddenSize);
        Assert.Equal(2880, config.IntermediateSize);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(64, config.NumAttentionHeads);
        Assert.Equal(8, config.NumKeyValueHeads);
        Assert.Equal(4096, config.QueryWidth);
        Assert.Equal(201088, config.VocabSize);
        Assert.Equal(128, config.SlidingWindow);
        Assert.Equal(150000, config.RopeTheta);
        Assert.Equal(32, config.RopeScalingFactor);
        Assert.Equal(32, config.RopeBetaFast);
        Assert.Equal(1, config.RopeBetaSlow);
        Assert.Equal(4096, config.InitialContextLength);
        Assert.Equal(131072, config.MaxPositionEmbeddings);
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.Equal(7.0, config.SwigluLimit);
        Assert.Equal(1.702, config.SwigluAlpha);
        Assert.Equal(new[] { 200002, 199999, 200012 }, config.EosTokenIds);
        Assert.Equal(24, config.SlidingLayers.Count);
        Assert.True(config.SlidingLayers[0]);
        Assert.False(config.SlidingLayers[1]);
        Assert.True(config.SlidingLayers[22]);
        Assert.False(config.SlidingLayers[23]);
    }

    [Fact]
    public void Without_generation_config_the_config_eos_id_is_used()
    {
        var config = ModelConfigReader.Read(Folder("hf", Hf20bConfig));
        Assert.Equal(new[] { 200002 }, config.EosTokenIds);
    }

    [Fact]
    public void Newer_rope_parameters_key_is_accepted_with_theta_inside()
    {
        var json = Hf20bConfig
            .Replace("\"rope_scaling\": {\"beta_fast\": 32.0,", "\"rope_parameters\": {\"rope_theta\": 250000, \"beta_fast\": 16.0,")
            .Replace("\"rope_theta\": 150000, ", "");
        var config = ModelConfigReader.Read(Folder("hf", json));
        Assert.Equal(250000, config.RopeTheta);
        Assert.Equal(16, config.RopeBetaFast);
        Assert.Equal(32, config.RopeScalingFactor);
        Assert.Equal(4096, config.InitialContextLength);
    }

    [Fact]
    public void Explicit_layer_types_are_followed_and_absent_ones_default_to_even_sliding()
    {
        var custom = Hf20bConfig.Replace("\"layer_types\": [\"sliding_attention\",\"full_attention\",", "\"layer_types\": [\"full_attention\",\"sliding_attention\",");
        var withTypes = ModelConfigReader.Read(Folder("custom", custom));
        Assert.False(withTypes.SlidingLayers[0]);
        Assert.True(withTypes.SlidingLayers[1]);
        Assert.True(withTypes.SlidingLayers[2]);

        var start = Hf20bConfig.IndexOf("\"layer_types\"", StringComparison.Ordinal);
        var end = Hf20bConfig.IndexOf("\"max_position_embeddings\"", StringComparison.Ordinal);
        var without = ModelConfigReader.Read(Folder("none", Hf20bConfig.Remove(start, end - start)));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i % 2 == 0), without.SlidingLayers);
    }

    [Fact]
    public void Original_flat_config_maps_to_hf_names_and_fixed_defaults()
    {
        var config = ModelConfigReader.Read(Folder("original", Original120bConfig), out var flavour);

        Assert.Equal(ConfigFlavour.Original, flavour);
        Assert.Equal(36, config.NumLayers);
        Assert.Equal(128, config.NumExperts);
        Assert.Equal(4, config.ExpertsPerToken);
        Assert.Equal(32, config.RopeScalingFactor);
        Assert.Equal(32, config.RopeBetaFast);   // rope_ntk_beta
        Assert.Equal(1, config.RopeBetaSlow);    // rope_ntk_alpha
        Assert.Equal(4096, config.InitialContextLength);
        Assert.Equal(131072, config.MaxPositionEmbeddings); // 32 × 4096
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.Equal(new[] { 200002, 199999, 200012 }, config.EosTokenIds);
        Assert.Equal(18, config.SlidingLayers.Count(s => s));
        Assert.True(config.SlidingLayers[0]);
        Assert.False(config.SlidingLayers[35]);
    }

    [Fact]
    public void Missing_hf_field_names_the_file_and_the_field()
    {
        var dir = Folder("hf", Hf20bConfig.Replace("\"hidden_size\": 2880, ", ""));
        var error = Assert.Throws<CheckpointException>(() => ModelConfigReader.Read(dir));
        Assert.Contains(Path.Combine(dir, "config.json"), error.Message);
        Assert.Contains("'hidden_size'", error.Message);
    }

    [Fact]
    public void Missing_rope_field_names_the_nested_path()
    {
        var dir = Folder("hf", Hf20bConfig.Replace("\"factor\": 32.0, ", ""));
        var error = Assert.Throws<CheckpointException>(() => ModelConfigReader.Read(dir));
        Assert.Contains(Path.Combine(dir, "config.json"), error.Message);
        Assert.Contains("'rope_scaling.factor'", error.Message);
    }

    [Fact]
    public void Missing_original_field_names_the_file_and_the_field()
    {
        var dir = Folder("original", Original120bConfig.Replace("\"rope_ntk_beta\": 32.0", "\"other\": 1"));
        var error = Assert.Throws<CheckpointException>(() => ModelConfigReader.Read(dir));
        Assert.Contains(Path.Combine(dir, "config.json"), error.Message);
        Assert.Contains("'rope_ntk_beta'", error.Message);
    }

    [Fact]
    public void Config_of_another_model_type_is_an_unknown_layout()
    {
        var dir = Folder("llama", Hf20bConfig.Replace("\"model_type\": \"gpt_oss\"", "\"model_type\": \"llama\""));
        var error = Assert.Throws<CheckpointException>(() => ModelConfigReader.Read(dir));
        Assert.Contains(Path.Combine(dir, "config.json"), error.Message);
        Assert.Contains("unknown checkpoint layout", error.Message);
    }

    [Fact]
    public void Hf_aliases_num_experts_and_experts_per_token_are_accepted_when_alone()
    {
        var json = Hf20bConfig.Replace("\"num_local_experts\": 32", "\"num_experts\": 16").Replace("\"num_experts_per_tok\": 4,", "");
        var config = ModelConfigReader.Read(Folder("alias", json.Replace("\"experts_per_token\": 4", "\"experts_per_token\": 2")));
        Assert.Equal(16, config.NumExperts);
        Assert.Equal(2, config.ExpertsPerToken);
    }

    [Fact]
    public void Layer_types_of_the_wrong_length_name_the_field()
    {
        var dir = Folder("short", Hf20bConfig.Replace("\"num_hidden_layers\": 24", "\"num_hidden_layers\": 23"));
        var error = Assert.Throws<CheckpointException>(() => ModelConfigReader.Read(dir));
        Assert.Contains("'layer_types'", error.Message);
        Assert.Contains("23", error.Message);
    }
}
