namespace GptOssWorkbench.Engine.DemoModel;

using System.IO.Compression;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Safetensors;
using GptOssWorkbench.Engine.Weights.Synthetic;
using static TorchSharp.torch;

/// <summary>
/// The compact form of the trained demo model that the repository ships: a gzip-compressed safetensors file with
/// the reduced embedding/unembedding tables (row 0 = the unknown input row / the shared unused output row), the
/// list of used o200k ids, a small config vector, and every other tensor already in its final checkpoint form
/// (bf16, MXFP4 blocks/scales) under its Hugging Face name. <see cref="DemoModelInstaller"/> expands it.
/// </summary>
public static class DemoArtifact
{
    public const string UsedIdsName = "demo.used_ids";
    public const string EmbeddingName = "demo.embedding";
    public const string UnembeddingName = "demo.unembedding";
    public const string ConfigName = "demo.config";

    /// <summary>Writes the artifact for <paramref name="model"/> (its weights are rounded to bf16/MXFP4 on the way).</summary>
    public static void Write(TrainableGptOss model, string path)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var c = model.Config;
        var tensors = new List<PendingTensor>
        {
            PendingTensor.Of(ConfigName, tensor(ConfigVector(c))),
            PendingTensor.Of(UsedIdsName, tensor(model.Vocabulary.UsedIds.ToArray())),
            PendingTensor.Of(EmbeddingName, model.FoldedEmbedding().to(bfloat16)),
            PendingTensor.Of(UnembeddingName, model.Unembedding.to(bfloat16)),
            PendingTensor.Of(TensorNames.Hf.FinalNorm, model.FinalNorm.to(bfloat16)),
        };
        for (int n = 0; n < c.NumLayers; n++)
        {
            var l = model.Layers[n];
            void Bf16(string name, Tensor t) => tensors.Add(PendingTensor.Of(name, t.to(bfloat16)));
            AddNonExpertLayerTensors(tensors, n, l);
            var (gateUpBlocks, gateUpScales) = Mxfp4Quantizer.Quantize(l.GateUpWeight);
            var (downBlocks, downScales) = Mxfp4Quantizer.Quantize(l.DownWeight);
            tensors.Add(PendingTensor.Of(TensorNames.Hf.Experts(n, "gate_up_proj_blocks"), gateUpBlocks));
            tensors.Add(PendingTensor.Of(TensorNames.Hf.Experts(n, "gate_up_proj_scales"), gateUpScales));
            Bf16(TensorNames.Hf.Experts(n, "gate_up_proj_bias"), l.GateUpBias);
            tensors.Add(PendingTensor.Of(TensorNames.Hf.Experts(n, "down_proj_blocks"), downBlocks));
            tensors.Add(PendingTensor.Of(TensorNames.Hf.Experts(n, "down_proj_scales"), downScales));
            Bf16(TensorNames.Hf.Experts(n, "down_proj_bias"), l.DownBias);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var raw = path + ".safetensors.tmp";
        try
        {
            SafetensorsWriter.Write(raw, tensors, new Dictionary<string, string> { ["format"] = "gpt-oss-nano-artifact-v1" });
            var compressed = path + ".tmp";
            using (var input = File.OpenRead(raw))
            using (var output = new FileStream(compressed, FileMode.Create, FileAccess.Write))
            using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
            {
                input.CopyTo(gzip);
            }
            File.Move(compressed, path, overwrite: true);
        }
        finally
        {
            File.Delete(raw);
        }
    }

    /// <summary>
    /// Writes the model as a full checkpoint with bf16 experts (HF layout D, no MXFP4), the reference for measuring
    /// what quantization costs. Not shipped: 4× larger experts and no compact form.
    /// </summary>
    public static void WriteUnquantizedCheckpoint(TrainableGptOss model, string directory)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var c = model.Config with { VocabSize = HarmonyTokens.VocabularySize };
        var fullToReduced = model.Vocabulary.FullToReduced();
        var tensors = new List<PendingTensor>
        {
            PendingTensor.Of(TensorNames.Hf.Embedding, model.FoldedEmbedding().to(bfloat16).index_select(0, fullToReduced)),
            PendingTensor.Of(TensorNames.Hf.FinalNorm, model.FinalNorm.to(bfloat16)),
            PendingTensor.Of(TensorNames.Hf.Unembedding, model.Unembedding.to(bfloat16).index_select(0, fullToReduced)),
        };
        for (int n = 0; n < c.NumLayers; n++)
        {
            var l = model.Layers[n];
            void Bf16(string name, Tensor t) => tensors.Add(PendingTensor.Of(name, t.to(bfloat16)));
            AddNonExpertLayerTensors(tensors, n, l);
            // Layout D stores experts input-major: [E, in, out].
            Bf16(TensorNames.Hf.Experts(n, "gate_up_proj"), l.GateUpWeight.transpose(1, 2));
            Bf16(TensorNames.Hf.Experts(n, "gate_up_proj_bias"), l.GateUpBias);
            Bf16(TensorNames.Hf.Experts(n, "down_proj"), l.DownWeight.transpose(1, 2));
            Bf16(TensorNames.Hf.Experts(n, "down_proj_bias"), l.DownBias);
        }
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, TensorNames.Hf.SingleFile), tensors);
        ConfigFileWriter.Write(directory, c, CheckpointLayout.HfBf16);
    }

    /// <summary>
    /// A trainable model holding an artifact's weights (embedding already folded, digit vectors zero, experts
    /// dequantized), to continue training from a snapshot or a shipped model.
    /// </summary>
    public static TrainableGptOss ReadTrainable(string path)
    {
        var raw = Path.Combine(Path.GetTempPath(), $"gptoss-demo-resume-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var input = File.OpenRead(path))
            using (var gzip = new GZipStream(input, CompressionMode.Decompress))
            using (var output = File.Create(raw))
            {
                gzip.CopyTo(output);
            }
            using var file = SafetensorsFile.Open(raw);
            var config = ReadConfig(file);
            using var usedIds = file.Get(UsedIdsName);
            var model = new TrainableGptOss(config, new DemoVocabulary(usedIds.data<int>().ToArray()), seed: 0);
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            void Load(Tensor parameter, string name) => parameter.copy_(file.Get(name).to(float32));
            Load(model.Embedding, EmbeddingName);
            model.DigitVectors.zero_();
            Load(model.Unembedding, UnembeddingName);
            Load(model.FinalNorm, TensorNames.Hf.FinalNorm);
            for (int n = 0; n < config.NumLayers; n++)
            {
                var l = model.Layers[n];
                Load(l.AttentionNorm, TensorNames.Hf.AttentionNorm(n));
                foreach (var (projection, weight, bias) in new[] { ("q", l.QueryWeight, l.QueryBias), ("k", l.KeyWeight, l.KeyBias), ("v", l.ValueWeight, l.ValueBias), ("o", l.OutputWeight, l.OutputBias) })
                {
                    Load(weight, TensorNames.Hf.Attention(n, projection, "weight"));
                    Load(bias, TensorNames.Hf.Attention(n, projection, "bias"));
                }
                Load(l.Sinks, TensorNames.Hf.Sinks(n));
                Load(l.MlpNorm, TensorNames.Hf.MlpNorm(n));
                Load(l.RouterWeight, TensorNames.Hf.Router(n, "weight"));
                Load(l.RouterBias, TensorNames.Hf.Router(n, "bias"));
                l.GateUpWeight.copy_(Mxfp4.DequantizeRows(file.Get(TensorNames.Hf.Experts(n, "gate_up_proj_blocks")), file.Get(TensorNames.Hf.Experts(n, "gate_up_proj_scales"))));
                Load(l.GateUpBias, TensorNames.Hf.Experts(n, "gate_up_proj_bias"));
                l.DownWeight.copy_(Mxfp4.DequantizeRows(file.Get(TensorNames.Hf.Experts(n, "down_proj_blocks")), file.Get(TensorNames.Hf.Experts(n, "down_proj_scales"))));
                Load(l.DownBias, TensorNames.Hf.Experts(n, "down_proj_bias"));
            }
            return model;
        }
        finally
        {
            File.Delete(raw);
        }
    }

    /// <summary>The dimensions stored in the artifact, in this order.</summary>
    /// <summary>The bf16 tensors of layer <paramref name="n"/> that every export writes alike: norms, attention, sinks, router.</summary>
    private static void AddNonExpertLayerTensors(List<PendingTensor> tensors, int n, TrainableLayer l)
    {
        void Bf16(string name, Tensor t) => tensors.Add(PendingTensor.Of(name, t.to(bfloat16)));
        Bf16(TensorNames.Hf.AttentionNorm(n), l.AttentionNorm);
        foreach (var (projection, weight, bias) in new[] { ("q", l.QueryWeight, l.QueryBias), ("k", l.KeyWeight, l.KeyBias), ("v", l.ValueWeight, l.ValueBias), ("o", l.OutputWeight, l.OutputBias) })
        {
            Bf16(TensorNames.Hf.Attention(n, projection, "weight"), weight);
            Bf16(TensorNames.Hf.Attention(n, projection, "bias"), bias);
        }
        Bf16(TensorNames.Hf.Sinks(n), l.Sinks);
        Bf16(TensorNames.Hf.MlpNorm(n), l.MlpNorm);
        Bf16(TensorNames.Hf.Router(n, "weight"), l.RouterWeight);
        Bf16(TensorNames.Hf.Router(n, "bias"), l.RouterBias);
    }

    private static int[] ConfigVector(ModelConfig c) =>
        [c.NumLayers, c.NumExperts, c.ExpertsPerToken, c.HiddenSize, c.IntermediateSize, c.HeadDim, c.NumAttentionHeads, c.NumKeyValueHeads, c.SlidingWindow];

    /// <summary>The model config an artifact describes (the nano RoPE/YaRN settings with the stored dimensions).</summary>
    public static ModelConfig ReadConfig(SafetensorsFile file)
    {
        using var stored = file.Get(ConfigName);
        var v = stored.data<int>().ToArray();
        if (v.Length != 9) throw new InvalidDataException($"{file.Path}: '{ConfigName}' has {v.Length} entries, expected 9");
        return DemoModelConfig.Nano with
        {
            NumLayers = v[0], NumExperts = v[1], ExpertsPerToken = v[2], HiddenSize = v[3], IntermediateSize = v[4],
            HeadDim = v[5], NumAttentionHeads = v[6], NumKeyValueHeads = v[7], SlidingWindow = v[8],
            SlidingLayers = ModelConfigReader.EvenLayersSliding(v[0]),
        };
    }
}
