namespace GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>Tensor names of the HF layouts (A, B, D) and of OpenAI's original layout (C), spec table 5.1.</summary>
public static class TensorNames
{
    public static class Hf
    {
        public const string Embedding = "model.embed_tokens.weight";
        public const string FinalNorm = "model.norm.weight";
        public const string Unembedding = "lm_head.weight";
        public const string IndexFile = "model.safetensors.index.json";
        public const string SingleFile = "model.safetensors";

        public static string Layer(int n, string rest) => $"model.layers.{n}.{rest}";
        public static string AttentionNorm(int n) => Layer(n, "input_layernorm.weight");
        public static string Attention(int n, string projection, string part) => Layer(n, $"self_attn.{projection}_proj.{part}");
        public static string Sinks(int n) => Layer(n, "self_attn.sinks");
        public static string MlpNorm(int n) => Layer(n, "post_attention_layernorm.weight");
        public static string Router(int n, string part) => Layer(n, $"mlp.router.{part}");
        /// <summary>e.g. Experts(3, "gate_up_proj_blocks"), Experts(3, "down_proj") for layout D.</summary>
        public static string Experts(int n, string suffix) => Layer(n, $"mlp.experts.{suffix}");

        /// <summary>Shard file names as the gpt-oss hub repositories spell them: numbered from zero, "of" the last index.</summary>
        public static string ShardFile(int index, int count) => $"model-{index:D5}-of-{count - 1:D5}.safetensors";
    }

    public static class Original
    {
        public const string Embedding = "embedding.weight";
        public const string FinalNorm = "norm.scale";
        public const string Unembedding = "unembedding.weight";
        public const string SingleFile = "model.safetensors";

        public static string Block(int n, string rest) => $"block.{n}.{rest}";
        public static string AttentionNorm(int n) => Block(n, "attn.norm.scale");
        public static string Qkv(int n, string part) => Block(n, $"attn.qkv.{part}");
        public static string Out(int n, string part) => Block(n, $"attn.out.{part}");
        public static string Sinks(int n) => Block(n, "attn.sinks");
        public static string MlpNorm(int n) => Block(n, "mlp.norm.scale");
        public static string Router(int n, string part) => Block(n, $"mlp.gate.{part}");
        /// <summary>projection 1 or 2, part "blocks" or "scales".</summary>
        public static string ExpertWeight(int n, int projection, string part) => Block(n, $"mlp.mlp{projection}_weight.{part}");
        public static string ExpertBias(int n, int projection) => Block(n, $"mlp.mlp{projection}_bias");
    }
}
