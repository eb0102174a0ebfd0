namespace GptOssWorkbench.Engine.Weights.Checkpoints;

using System.Text.Json;
using GptOssWorkbench.Engine.Model;

/// <summary>Which config.json flavour a checkpoint folder carries.</summary>
public enum ConfigFlavour
{
    /// <summary>Hugging Face transformers config (model_type "gpt_oss"), spec 5.2.</summary>
    HuggingFace,
    /// <summary>OpenAI's flat config in the original/ folder, spec 5.3.</summary>
    Original,
}

/// <summary>
/// Reads a gpt-oss config.json (HF or OpenAI original flavour) into <see cref="ModelConfig"/>.
/// HF: eos ids come from generation_config.json when present, else from config.json.
/// Original: the fields it lacks are fixed by the spec (epsilon 1e-5, even layers sliding, harmony stop ids,
/// max positions = factor × initial context).
/// </summary>
public static class ModelConfigReader
{
    public const string ConfigFileName = "config.json";
    public const string GenerationConfigFileName = "generation_config.json";

    /// <summary>Stop ids of the harmony format: &lt;|return|&gt;, &lt;|endoftext|&gt;, &lt;|call|&gt; (HF generation_config order).</summary>
    public static readonly IReadOnlyList<int> HarmonyEosTokenIds = [200002, 199999, 200012];

    public static ModelConfig Read(string directory) => Read(directory, out _);

    public static ModelConfig Read(string directory, out ConfigFlavour flavour)
    {
        var file = JsonConfigFile.Read(Path.Combine(directory, ConfigFileName));
        flavour = DetectFlavour(file);
        return flavour == ConfigFlavour.Original ? ReadOriginal(file) : ReadHuggingFace(file, directory);
    }

    private static ConfigFlavour DetectFlavour(JsonConfigFile file)
    {
        if (file.Has("num_experts") && file.Has("rope_scaling_factor")) return ConfigFlavour.Original;
        if (file.Root.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "gpt_oss")
        {
            return ConfigFlavour.HuggingFace;
        }
        throw new CheckpointException(
            $"{file.Path}: unknown checkpoint layout: neither an HF gpt-oss config (model_type \"gpt_oss\") nor an original one (num_experts + rope_scaling_factor)");
    }

    private static ModelConfig ReadHuggingFace(JsonConfigFile file, string directory)
    {
        var layers = file.Int("num_hidden_layers");
        // HF aliases num_experts to num_local_experts; both per-token keys exist, prefer num_experts_per_tok.
        var experts = file.Int(file.Has("num_experts") && !file.Has("num_local_experts") ? "num_experts" : "num_local_experts");
        var perToken = file.Int(file.Has("experts_per_token") && !file.Has("num_experts_per_tok") ? "experts_per_token" : "num_experts_per_tok");

        // Published configs use rope_scaling; newer transformers writes rope_parameters (which may hold rope_theta too).
        var ropeKey = file.Has("rope_scaling") ? "rope_scaling" : file.Has("rope_parameters") ? "rope_parameters" : null;
        if (ropeKey is null) throw new CheckpointException($"{file.Path}: missing required field 'rope_scaling' (or 'rope_parameters')");
        var rope = file.Root.GetProperty(ropeKey);
        if (rope.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{file.Path}: field '{ropeKey}' must be an object");
        double RopeDouble(string key, double? fallback = null) =>
            fallback is { } value && !(rope.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null) ? value : file.Double(rope, key, $"{ropeKey}.{key}");

        var ropeTheta = file.Has("rope_theta") ? file.Double("rope_theta") : RopeDouble("rope_theta");
        var initialContext = file.Int(rope, "original_max_position_embeddings", $"{ropeKey}.original_max_position_embeddings");

        var eos = ReadGenerationEos(directory);
        if (eos.Count == 0) eos = file.IntOrList("eos_token_id");

        return new ModelConfig
        {
            NumLayers = layers,
            NumExperts = experts,
            ExpertsPerToken = perToken,
            HiddenSize = file.Int("hidden_size"),
            IntermediateSize = file.Int("intermediate_size"),
            HeadDim = file.Int("head_dim"),
            NumAttentionHeads = file.Int("num_attention_heads"),
            NumKeyValueHeads = file.Int("num_key_value_heads"),
            VocabSize = file.Int("vocab_size"),
            SlidingWindow = file.Int("sliding_window"),
            SlidingLayers = ReadLayerTypes(file, layers),
            RopeTheta = ropeTheta,
            RopeScalingFactor = RopeDouble("factor"),
            // transformers' YaRN defaults, used only if a config leaves them out.
            RopeBetaFast = RopeDouble("beta_fast", 32.0),
            RopeBetaSlow = RopeDouble("beta_slow", 1.0),
            InitialContextLength = initialContext,
            MaxPositionEmbeddings = file.Int("max_position_embeddings"),
            RmsNormEps = file.DoubleOr("rms_norm_eps", 1e-5),
            SwigluLimit = file.DoubleOr("swiglu_limit", 7.0),
            SwigluAlpha = file.DoubleOr("swiglu_alpha", 1.702),
            EosTokenIds = eos,
        }.Validated(file.Path);
    }

    private static ModelConfig ReadOriginal(JsonConfigFile file)
    {
        var layers = file.Int("num_hidden_layers");
        var initialContext = file.Int("initial_context_length");
        var factor = file.Double("rope_scaling_factor");
        return new ModelConfig
        {
            NumLayers = layers,
            NumExperts = file.Int("num_experts"),
            ExpertsPerToken = file.Int("experts_per_token"),
            HiddenSize = file.Int("hidden_size"),
            IntermediateSize = file.Int("intermediate_size"),
            HeadDim = file.Int("head_dim"),
            NumAttentionHeads = file.Int("num_attention_heads"),
            NumKeyValueHeads = file.Int("num_key_value_heads"),
            VocabSize = file.Int("vocab_size"),
            SlidingWindow = file.Int("sliding_window"),
            SlidingLayers = EvenLayersSliding(layers),
            RopeTheta = file.Double("rope_theta"),
            RopeScalingFactor = factor,
            // OpenAI names YaRN's beta_fast "ntk_beta" and beta_slow "ntk_alpha".
            RopeBetaFast = file.Double("rope_ntk_beta"),
            RopeBetaSlow = file.Double("rope_ntk_alpha"),
            InitialContextLength = initialContext,
            MaxPositionEmbeddings = (int)Math.Round(factor * initialContext),
            SwigluLimit = file.Double("swiglu_limit"),
            EosTokenIds = HarmonyEosTokenIds,
        }.Validated(file.Path);
    }

    private static IReadOnlyList<int> ReadGenerationEos(string directory)
    {
        var path = Path.Combine(directory, GenerationConfigFileName);
        return File.Exists(path) ? JsonConfigFile.Read(path).IntOrList("eos_token_id") : [];
    }

    private static IReadOnlyList<bool> ReadLayerTypes(JsonConfigFile file, int layers)
    {
        if (!file.Has("layer_types")) return EvenLayersSliding(layers);
        var types = file.Root.GetProperty("layer_types");
        if (types.ValueKind != JsonValueKind.Array || types.GetArrayLength() != layers)
        {
            throw new CheckpointException($"{file.Path}: field 'layer_types' must be a list of {layers} entries (num_hidden_layers)");
        }
        return [.. types.EnumerateArray().Select((t, i) => t.GetString() switch
        {
            "sliding_attention" => true,
            "full_attention" => false,
            var other => throw new CheckpointException($"{file.Path}: field 'layer_types[{i}]' is '{other}', expected sliding_attention or full_attention"),
        })];
    }

    /// <summary>gpt-oss alternates: even layers use the sliding window, odd layers attend to everything.</summary>
    public static IReadOnlyList<bool> EvenLayersSliding(int layers) => [.. Enumerable.Range(0, layers).Select(i => i % 2 == 0)];

    private static ModelConfig Validated(this ModelConfig config, string path)
    {
        void Require(bool ok, string field, string rule)
        {
            if (!ok) throw new CheckpointException($"{path}: field '{field}' {rule}");
        }
        Require(config.NumLayers > 0, "num_hidden_layers", "must be positive");
        Require(config.NumExperts > 0, "num_local_experts", "must be positive");
        Require(config.ExpertsPerToken > 0 && config.ExpertsPerToken <= config.NumExperts, "num_experts_per_tok", "must be between 1 and the number of experts");
        Require(config.HiddenSize > 0 && config.HiddenSize % 32 == 0, "hidden_size", "must be a positive multiple of 32 (MXFP4 block size)");
        Require(config.IntermediateSize > 0 && config.IntermediateSize % 32 == 0, "intermediate_size", "must be a positive multiple of 32 (MXFP4 block size)");
        Require(config.HeadDim > 0 && config.HeadDim % 2 == 0, "head_dim", "must be a positive even number");
        Require(config.NumAttentionHeads > 0, "num_attention_heads", "must be positive");
        Require(config.NumKeyValueHeads > 0 && config.NumAttentionHeads % config.NumKeyValueHeads == 0, "num_key_value_heads", "must divide num_attention_heads");
        Require(config.VocabSize > 0, "vocab_size", "must be positive");
        Require(config.SlidingWindow > 0, "sliding_window", "must be positive");
        return config;
    }
}
