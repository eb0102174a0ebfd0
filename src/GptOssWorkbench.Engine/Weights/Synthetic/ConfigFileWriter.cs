namespace GptOssWorkbench.Engine.Weights.Synthetic;

using System.Text.Json;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>Writes config.json (+ generation_config.json, index) with the keys of the published gpt-oss files (spec 5.2, 5.3).</summary>
public static class ConfigFileWriter
{
    private const string TransformersVersion = "4.55.0.dev0";
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static void Write(string directory, ModelConfig config, CheckpointLayout layout)
    {
        if (layout == CheckpointLayout.Original)
        {
            WriteJson(Path.Combine(directory, ModelConfigReader.ConfigFileName), json => WriteOriginal(json, config));
            return;
        }
        WriteJson(Path.Combine(directory, ModelConfigReader.GenerationConfigFileName), json =>
        {
            json.WriteNumber("bos_token_id", 199998);
            json.WriteBoolean("do_sample", true);
            json.WriteStartArray("eos_token_id");
            foreach (var id in config.EosTokenIds) json.WriteNumberValue(id);
            json.WriteEndArray();
            json.WriteNumber("pad_token_id", 199999);
            json.WriteString("transformers_version", TransformersVersion);
        });
        WriteJson(Path.Combine(directory, ModelConfigReader.ConfigFileName), json => WriteHf(json, config, quantized: layout != CheckpointLayout.HfBf16));
    }

    public static void WriteIndex(string directory, long totalSize, IReadOnlyDictionary<string, string> weightMap) =>
        WriteJson(Path.Combine(directory, TensorNames.Hf.IndexFile), json =>
        {
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap) json.WriteString(name, file);
            json.WriteEndObject();
        });

    private static void WriteHf(Utf8JsonWriter json, ModelConfig c, bool quantized)
    {
        json.WriteStartArray("architectures");
        json.WriteStringValue("GptOssForCausalLM");
        json.WriteEndArray();
        json.WriteBoolean("attention_bias", true);
        json.WriteNumber("attention_dropout", 0.0);
        json.WriteNumber("eos_token_id", 200002);
        json.WriteNumber("experts_per_token", c.ExpertsPerToken);
        json.WriteNumber("head_dim", c.HeadDim);
        json.WriteString("hidden_act", "silu");
        json.WriteNumber("hidden_size", c.HiddenSize);
        json.WriteNumber("initial_context_length", c.InitialContextLength);
        json.WriteNumber("initializer_range", 0.02);
        json.WriteNumber("intermediate_size", c.IntermediateSize);
        json.WriteStartArray("layer_types");
        foreach (var sliding in c.SlidingLayers) json.WriteStringValue(sliding ? "sliding_attention" : "full_attention");
        json.WriteEndArray();
        json.WriteNumber("max_position_embeddings", c.MaxPositionEmbeddings);
        json.WriteString("model_type", "gpt_oss");
        json.WriteNumber("num_attention_heads", c.NumAttentionHeads);
        json.WriteNumber("num_experts_per_tok", c.ExpertsPerToken);
        json.WriteNumber("num_hidden_layers", c.NumLayers);
        json.WriteNumber("num_key_value_heads", c.NumKeyValueHeads);
        json.WriteNumber("num_local_experts", c.NumExperts);
        json.WriteBoolean("output_router_logits", false);
        json.WriteNumber("pad_token_id", 199999);
        if (quantized)
        {
            json.WriteStartObject("quantization_config");
            json.WriteStartArray("modules_to_not_convert");
            foreach (var module in new[] { "model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head" }) json.WriteStringValue(module);
            json.WriteEndArray();
            json.WriteString("quant_method", "mxfp4");
            json.WriteEndObject();
        }
        json.WriteNumber("rms_norm_eps", c.RmsNormEps);
        json.WriteStartObject("rope_scaling");
        json.WriteNumber("beta_fast", c.RopeBetaFast);
        json.WriteNumber("beta_slow", c.RopeBetaSlow);
        json.WriteNumber("factor", c.RopeScalingFactor);
        json.WriteNumber("original_max_position_embeddings", c.InitialContextLength);
        json.WriteString("rope_type", "yarn");
        json.WriteBoolean("truncate", false);
        json.WriteEndObject();
        json.WriteNumber("rope_theta", c.RopeTheta);
        json.WriteNumber("router_aux_loss_coef", 0.9);
        json.WriteNumber("sliding_window", c.SlidingWindow);
        json.WriteNumber("swiglu_limit", c.SwigluLimit);
        json.WriteBoolean("tie_word_embeddings", false);
        if (!quantized) json.WriteString("torch_dtype", "bfloat16");
        json.WriteString("transformers_version", TransformersVersion);
        json.WriteBoolean("use_cache", true);
        json.WriteNumber("vocab_size", c.VocabSize);
    }

    private static void WriteOriginal(Utf8JsonWriter json, ModelConfig c)
    {
        json.WriteNumber("num_hidden_layers", c.NumLayers);
        json.WriteNumber("num_experts", c.NumExperts);
        json.WriteNumber("experts_per_token", c.ExpertsPerToken);
        json.WriteNumber("vocab_size", c.VocabSize);
        json.WriteNumber("hidden_size", c.HiddenSize);
        json.WriteNumber("intermediate_size", c.IntermediateSize);
        json.WriteNumber("swiglu_limit", c.SwigluLimit);
        json.WriteNumber("head_dim", c.HeadDim);
        json.WriteNumber("num_attention_heads", c.NumAttentionHeads);
        json.WriteNumber("num_key_value_heads", c.NumKeyValueHeads);
        json.WriteNumber("sliding_window", c.SlidingWindow);
        json.WriteNumber("initial_context_length", c.InitialContextLength);
        json.WriteNumber("rope_theta", c.RopeTheta);
        json.WriteNumber("rope_scaling_factor", c.RopeScalingFactor);
        json.WriteNumber("rope_ntk_alpha", c.RopeBetaSlow);
        json.WriteNumber("rope_ntk_beta", c.RopeBetaFast);
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, Indented);
        json.WriteStartObject();
        body(json);
        json.WriteEndObject();
    }
}
