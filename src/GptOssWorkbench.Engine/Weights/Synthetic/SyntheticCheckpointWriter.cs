namespace GptOssWorkbench.Engine.Weights.Synthetic;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Safetensors;
using static TorchSharp.torch;

/// <summary>
/// Writes a synthetic checkpoint in any of the four layouts. All layouts written from one seed hold the same
/// logical weights: the MXFP4 codes are generated first and layout D's bf16 experts are their exact
/// dequantization. Tensors stream to disk chunk by chunk; config files are written last, so an interrupted run
/// leaves a folder the loader rejects instead of a half checkpoint it accepts.
/// The original layout is written flat into the output folder (config.json + model.safetensors).
/// </summary>
public static class SyntheticCheckpointWriter
{
    /// <summary>
    /// Shard size of the hf-sharded layout, about what the hub uses (20b ships 3 shards, 120b 15). Keeping files
    /// this small also keeps each one mappable on machines with less RAM than the whole checkpoint.
    /// </summary>
    public const long TargetShardBytes = 5_000_000_000;
    public const int MinShards = 3;

    public static void Write(string directory, ModelConfig config, CheckpointLayout layout, long seed)
    {
        TorchRuntime.EnsureLoaded();
        Directory.CreateDirectory(directory);
        var weights = new SyntheticWeights(config, seed);
        using var noGrad = inference_mode();
        switch (layout)
        {
            case CheckpointLayout.HfSingle:
            case CheckpointLayout.HfBf16:
                SafetensorsWriter.Write(Path.Combine(directory, TensorNames.Hf.SingleFile), HfTensors(weights, dense: layout == CheckpointLayout.HfBf16));
                break;
            case CheckpointLayout.HfSharded:
                WriteSharded(directory, HfTensors(weights, dense: false));
                break;
            case CheckpointLayout.Original:
                SafetensorsWriter.Write(Path.Combine(directory, TensorNames.Original.SingleFile), OriginalTensors(weights));
                break;
        }
        ConfigFileWriter.Write(directory, config, layout);
    }

    private static List<PendingTensor> HfTensors(SyntheticWeights w, bool dense)
    {
        var c = w.Config;
        long h = c.HiddenSize, e = c.NumExperts, i = c.IntermediateSize;
        var list = new List<PendingTensor>
        {
            Bf16(TensorNames.Hf.Embedding, [c.VocabSize, h], () => w.Embedding),
            Bf16(TensorNames.Hf.FinalNorm, [h], () => w.FinalNorm),
            Bf16(TensorNames.Hf.Unembedding, [c.VocabSize, h], () => w.Unembedding),
        };
        for (var n = 0; n < c.NumLayers; n++)
        {
            var layer = n;
            list.Add(Bf16(TensorNames.Hf.AttentionNorm(n), [h], () => w.AttentionNorm(layer)));
            foreach (var projection in new[] { "q", "k", "v", "o" })
            {
                foreach (var part in new[] { "weight", "bias" })
                {
                    list.Add(Bf16(TensorNames.Hf.Attention(n, projection, part), w.AttentionShape(projection, part), () => w.Attention(layer, projection, part)));
                }
            }
            list.Add(Bf16(TensorNames.Hf.Sinks(n), [c.NumAttentionHeads], () => w.Sinks(layer)));
            list.Add(Bf16(TensorNames.Hf.MlpNorm(n), [h], () => w.MlpNorm(layer)));
            list.Add(Bf16(TensorNames.Hf.Router(n, "weight"), [e, h], () => w.RouterWeight(layer)));
            list.Add(Bf16(TensorNames.Hf.Router(n, "bias"), [e], () => w.RouterBias(layer)));
            string Ex(string suffix) => TensorNames.Hf.Experts(layer, suffix);
            if (dense)
            {
                list.Add(Bf16(Ex("gate_up_proj"), [e, h, 2 * i], () => w.ExpertDenseInputMajor(layer, 1)));
                list.Add(Bf16(Ex("gate_up_proj_bias"), [e, 2 * i], () => w.ExpertBias(layer, 1)));
                list.Add(Bf16(Ex("down_proj"), [e, i, h], () => w.ExpertDenseInputMajor(layer, 2)));
                list.Add(Bf16(Ex("down_proj_bias"), [e, h], () => w.ExpertBias(layer, 2)));
            }
            else
            {
                list.Add(U8(Ex("gate_up_proj_blocks"), [e, 2 * i, h / 32, 16], () => w.ExpertBlocks(layer, 1)));
                list.Add(U8(Ex("gate_up_proj_scales"), [e, 2 * i, h / 32], () => w.ExpertScales(layer, 1)));
                list.Add(Bf16(Ex("gate_up_proj_bias"), [e, 2 * i], () => w.ExpertBias(layer, 1)));
                list.Add(U8(Ex("down_proj_blocks"), [e, h, i / 32, 16], () => w.ExpertBlocks(layer, 2)));
                list.Add(U8(Ex("down_proj_scales"), [e, h, i / 32], () => w.ExpertScales(layer, 2)));
                list.Add(Bf16(Ex("down_proj_bias"), [e, h], () => w.ExpertBias(layer, 2)));
            }
        }
        return list;
    }

    private static List<PendingTensor> OriginalTensors(SyntheticWeights w)
    {
        var c = w.Config;
        long h = c.HiddenSize, e = c.NumExperts, i = c.IntermediateSize, qkv = c.QueryWidth + 2L * c.KeyValueWidth;
        var list = new List<PendingTensor>
        {
            Bf16(TensorNames.Original.Embedding, [c.VocabSize, h], () => w.Embedding),
            Bf16(TensorNames.Original.FinalNorm, [h], () => w.FinalNorm),
            Bf16(TensorNames.Original.Unembedding, [c.VocabSize, h], () => w.Unembedding),
        };
        for (var n = 0; n < c.NumLayers; n++)
        {
            var layer = n;
            list.Add(Bf16(TensorNames.Original.AttentionNorm(n), [h], () => w.AttentionNorm(layer)));
            // Fused qkv: the q rows, then k, then v, exactly the tensors the HF layouts store separately.
            list.Add(Bf16(TensorNames.Original.Qkv(n, "weight"), [qkv, h],
                () => w.Attention(layer, "q", "weight").Concat(w.Attention(layer, "k", "weight")).Concat(w.Attention(layer, "v", "weight"))));
            list.Add(Bf16(TensorNames.Original.Qkv(n, "bias"), [qkv],
                () => w.Attention(layer, "q", "bias").Concat(w.Attention(layer, "k", "bias")).Concat(w.Attention(layer, "v", "bias"))));
            list.Add(Bf16(TensorNames.Original.Out(n, "weight"), w.AttentionShape("o", "weight"), () => w.Attention(layer, "o", "weight")));
            list.Add(Bf16(TensorNames.Original.Out(n, "bias"), w.AttentionShape("o", "bias"), () => w.Attention(layer, "o", "bias")));
            list.Add(Bf16(TensorNames.Original.Sinks(n), [c.NumAttentionHeads], () => w.Sinks(layer)));
            list.Add(Bf16(TensorNames.Original.MlpNorm(n), [h], () => w.MlpNorm(layer)));
            list.Add(Bf16(TensorNames.Original.Router(n, "weight"), [e, h], () => w.RouterWeight(layer)));
            list.Add(Bf16(TensorNames.Original.Router(n, "bias"), [e], () => w.RouterBias(layer)));
            list.Add(U8(TensorNames.Original.ExpertWeight(n, 1, "blocks"), [e, 2 * i, h / 32, 16], () => w.ExpertBlocks(layer, 1)));
            list.Add(U8(TensorNames.Original.ExpertWeight(n, 1, "scales"), [e, 2 * i, h / 32], () => w.ExpertScales(layer, 1)));
            list.Add(Bf16(TensorNames.Original.ExpertBias(n, 1), [e, 2 * i], () => w.ExpertBias(layer, 1)));
            list.Add(U8(TensorNames.Original.ExpertWeight(n, 2, "blocks"), [e, h, i / 32, 16], () => w.ExpertBlocks(layer, 2)));
            list.Add(U8(TensorNames.Original.ExpertWeight(n, 2, "scales"), [e, h, i / 32], () => w.ExpertScales(layer, 2)));
            list.Add(Bf16(TensorNames.Original.ExpertBias(n, 2), [e, h], () => w.ExpertBias(layer, 2)));
        }
        return list;
    }

    private static void WriteSharded(string directory, List<PendingTensor> tensors)
    {
        // Round-robin placement spreads the big tensors and puts each layer's blocks and scales in different
        // files, as the hub checkpoints do, so the loader must follow weight_map rather than assume locality.
        var shards = (int)Math.Max(MinShards, (tensors.Sum(t => t.ByteLength) + TargetShardBytes - 1) / TargetShardBytes);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var shard = 0; shard < shards; shard++)
        {
            var fileName = TensorNames.Hf.ShardFile(shard, shards);
            var members = tensors.Where((_, index) => index % shards == shard).ToList();
            SafetensorsWriter.Write(Path.Combine(directory, fileName), members);
            foreach (var tensor in members) weightMap[tensor.Name] = fileName;
        }
        ConfigFileWriter.WriteIndex(directory, tensors.Sum(t => t.ByteLength), weightMap);
    }

    private static PendingTensor Bf16(string name, long[] shape, Func<IEnumerable<Tensor>> chunks) => new(name, ScalarType.BFloat16, shape, chunks);
    private static PendingTensor U8(string name, long[] shape, Func<IEnumerable<Tensor>> chunks) => new(name, ScalarType.Byte, shape, chunks);
}
