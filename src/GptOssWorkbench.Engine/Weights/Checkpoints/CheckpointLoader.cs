namespace GptOssWorkbench.Engine.Weights.Checkpoints;

using System.Security.Cryptography;
using System.Text;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Loads any of the four checkpoint layouts (spec section 5) into layout-independent <see cref="ModelWeights"/>.
/// Every dimension comes from the config; every tensor's shape and dtype is checked at load, so a bad checkpoint
/// fails here with the file and tensor named rather than deep inside the forward pass. Tensors are views over the
/// memory-mapped files (no data is read at load): fused qkv (C) is split with narrow, input-major bf16 experts (D)
/// are transposed to output-major as views.
/// </summary>
public static class CheckpointLoader
{
    private static readonly ScalarType[] FloatTypes = [ScalarType.BFloat16, ScalarType.Float32];
    private static readonly ScalarType[] ByteTypes = [ScalarType.Byte];

    public static ModelWeights Load(string directory) => Open(directory).Weights;

    public static LoadedCheckpoint Open(string directory)
    {
        TorchRuntime.EnsureLoaded();
        var files = CheckpointFiles.Open(directory);
        var reader = new Reader(files);
        try
        {
            var layout = DetectLayout(files);
            var weights = layout == CheckpointLayout.Original ? ReadOriginal(reader, files.Config, files) : ReadHf(reader, files.Config, layout, files);
            return new LoadedCheckpoint(Describe(files, layout), weights);
        }
        catch
        {
            // Free the views taken before the failure now rather than leaving them to finalizers.
            reader.DisposeTaken();
            files.Dispose();
            throw;
        }
    }

    /// <summary>Validates the whole checkpoint like <see cref="Open"/> and returns what it found.</summary>
    public static CheckpointInfo Inspect(string directory)
    {
        using var loaded = Open(directory);
        return loaded.Info;
    }

    private static CheckpointLayout DetectLayout(CheckpointFiles files)
    {
        if (files.Flavour == ConfigFlavour.Original) return CheckpointLayout.Original;
        if (files.FileOf(TensorNames.Hf.Experts(0, "gate_up_proj_blocks")) is not null)
        {
            return files.IndexPath is null ? CheckpointLayout.HfSingle : CheckpointLayout.HfSharded;
        }
        if (files.FileOf(TensorNames.Hf.Experts(0, "gate_up_proj")) is not null) return CheckpointLayout.HfBf16;
        throw new CheckpointException(
            $"{files.SearchedIn}: unknown layout: tensor '{TensorNames.Hf.Experts(0, "gate_up_proj_blocks")}' (MXFP4) and '{TensorNames.Hf.Experts(0, "gate_up_proj")}' (bf16) are both missing");
    }

    private static ModelWeights ReadHf(Reader r, ModelConfig c, CheckpointLayout layout, CheckpointFiles owner)
    {
        long h = c.HiddenSize, q = c.QueryWidth, kv = c.KeyValueWidth, e = c.NumExperts, i2 = 2L * c.IntermediateSize, i = c.IntermediateSize;
        var embedding = r.Take(TensorNames.Hf.Embedding, [c.VocabSize, h], FloatTypes);
        var finalNorm = r.Take(TensorNames.Hf.FinalNorm, [h], FloatTypes);
        var unembedding = r.Take(TensorNames.Hf.Unembedding, [c.VocabSize, h], FloatTypes);
        var layers = new List<LayerWeights>();
        for (var n = 0; n < c.NumLayers; n++)
        {
            string Attn(string p, string part) => TensorNames.Hf.Attention(n, p, part);
            string Ex(string suffix) => TensorNames.Hf.Experts(n, suffix);
            ExpertWeights experts;
            if (layout == CheckpointLayout.HfBf16)
            {
                // Layout D stores experts input-major ([E, in, out], applied as x @ W[e]); the engine wants [E, out, in].
                experts = new ExpertWeights
                {
                    GateUpDense = r.TakeTransposed(Ex("gate_up_proj"), [e, h, i2], FloatTypes),
                    DownDense = r.TakeTransposed(Ex("down_proj"), [e, i, h], FloatTypes),
                    GateUpBias = r.Take(Ex("gate_up_proj_bias"), [e, i2], FloatTypes),
                    DownBias = r.Take(Ex("down_proj_bias"), [e, h], FloatTypes),
                };
            }
            else
            {
                experts = new ExpertWeights
                {
                    GateUpPacked = new Mxfp4Tensor(r.Take(Ex("gate_up_proj_blocks"), [e, i2, h / 32, 16], ByteTypes), r.Take(Ex("gate_up_proj_scales"), [e, i2, h / 32], ByteTypes)),
                    DownPacked = new Mxfp4Tensor(r.Take(Ex("down_proj_blocks"), [e, h, i / 32, 16], ByteTypes), r.Take(Ex("down_proj_scales"), [e, h, i / 32], ByteTypes)),
                    GateUpBias = r.Take(Ex("gate_up_proj_bias"), [e, i2], FloatTypes),
                    DownBias = r.Take(Ex("down_proj_bias"), [e, h], FloatTypes),
                };
            }
            layers.Add(new LayerWeights
            {
                AttentionNorm = r.Take(TensorNames.Hf.AttentionNorm(n), [h], FloatTypes),
                QueryWeight = r.Take(Attn("q", "weight"), [q, h], FloatTypes),
                QueryBias = r.Take(Attn("q", "bias"), [q], FloatTypes),
                KeyWeight = r.Take(Attn("k", "weight"), [kv, h], FloatTypes),
                KeyBias = r.Take(Attn("k", "bias"), [kv], FloatTypes),
                ValueWeight = r.Take(Attn("v", "weight"), [kv, h], FloatTypes),
                ValueBias = r.Take(Attn("v", "bias"), [kv], FloatTypes),
                OutputWeight = r.Take(Attn("o", "weight"), [h, q], FloatTypes),
                OutputBias = r.Take(Attn("o", "bias"), [h], FloatTypes),
                Sinks = r.Take(TensorNames.Hf.Sinks(n), [c.NumAttentionHeads], FloatTypes),
                MlpNorm = r.Take(TensorNames.Hf.MlpNorm(n), [h], FloatTypes),
                RouterWeight = r.Take(TensorNames.Hf.Router(n, "weight"), [e, h], FloatTypes),
                RouterBias = r.Take(TensorNames.Hf.Router(n, "bias"), [e], FloatTypes),
                Experts = experts,
            });
        }
        return new ModelWeights(c, embedding, finalNorm, unembedding, layers, owner);
    }

    private static ModelWeights ReadOriginal(Reader r, ModelConfig c, CheckpointFiles owner)
    {
        long h = c.HiddenSize, q = c.QueryWidth, kv = c.KeyValueWidth, e = c.NumExperts, i2 = 2L * c.IntermediateSize, i = c.IntermediateSize;
        var embedding = r.Take(TensorNames.Original.Embedding, [c.VocabSize, h], FloatTypes);
        var finalNorm = r.Take(TensorNames.Original.FinalNorm, [h], FloatTypes);
        var unembedding = r.Take(TensorNames.Original.Unembedding, [c.VocabSize, h], FloatTypes);
        var layers = new List<LayerWeights>();
        for (var n = 0; n < c.NumLayers; n++)
        {
            // The original checkpoint fuses q, k and v row-wise: rows [0, q) are q, then k, then v.
            using var qkvWeight = r.Take(TensorNames.Original.Qkv(n, "weight"), [q + 2 * kv, h], FloatTypes);
            using var qkvBias = r.Take(TensorNames.Original.Qkv(n, "bias"), [q + 2 * kv], FloatTypes);
            layers.Add(new LayerWeights
            {
                AttentionNorm = r.Take(TensorNames.Original.AttentionNorm(n), [h], FloatTypes),
                QueryWeight = r.Track(qkvWeight.narrow(0, 0, q)),
                QueryBias = r.Track(qkvBias.narrow(0, 0, q)),
                KeyWeight = r.Track(qkvWeight.narrow(0, q, kv)),
                KeyBias = r.Track(qkvBias.narrow(0, q, kv)),
                ValueWeight = r.Track(qkvWeight.narrow(0, q + kv, kv)),
                ValueBias = r.Track(qkvBias.narrow(0, q + kv, kv)),
                OutputWeight = r.Take(TensorNames.Original.Out(n, "weight"), [h, q], FloatTypes),
                OutputBias = r.Take(TensorNames.Original.Out(n, "bias"), [h], FloatTypes),
                Sinks = r.Take(TensorNames.Original.Sinks(n), [c.NumAttentionHeads], FloatTypes),
                MlpNorm = r.Take(TensorNames.Original.MlpNorm(n), [h], FloatTypes),
                RouterWeight = r.Take(TensorNames.Original.Router(n, "weight"), [e, h], FloatTypes),
                RouterBias = r.Take(TensorNames.Original.Router(n, "bias"), [e], FloatTypes),
                Experts = new ExpertWeights
                {
                    GateUpPacked = new Mxfp4Tensor(
                        r.Take(TensorNames.Original.ExpertWeight(n, 1, "blocks"), [e, i2, h / 32, 16], ByteTypes),
                        r.Take(TensorNames.Original.ExpertWeight(n, 1, "scales"), [e, i2, h / 32], ByteTypes)),
                    DownPacked = new Mxfp4Tensor(
                        r.Take(TensorNames.Original.ExpertWeight(n, 2, "blocks"), [e, h, i / 32, 16], ByteTypes),
                        r.Take(TensorNames.Original.ExpertWeight(n, 2, "scales"), [e, h, i / 32], ByteTypes)),
                    GateUpBias = r.Take(TensorNames.Original.ExpertBias(n, 1), [e, i2], FloatTypes),
                    DownBias = r.Take(TensorNames.Original.ExpertBias(n, 2), [e, h], FloatTypes),
                },
            });
        }
        return new ModelWeights(c, embedding, finalNorm, unembedding, layers, owner);
    }

    private static CheckpointInfo Describe(CheckpointFiles files, CheckpointLayout layout)
    {
        var bytesByDType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in files.Files.SelectMany(f => f.Header.Tensors.Values))
        {
            bytesByDType[entry.DType] = bytesByDType.GetValueOrDefault(entry.DType) + entry.ByteLength;
        }
        return new CheckpointInfo
        {
            Directory = files.Directory,
            Root = files.Root,
            Layout = layout,
            Config = files.Config,
            Files = [.. files.Files.Select(f => new CheckpointFileInfo(Path.GetFileName(f.Path), f.Header.FileLength, f.Header.Tensors.Count))],
            TensorCount = files.TensorCount,
            BytesByDType = bytesByDType,
            Fingerprint = Fingerprint(files),
        };
    }

    private static string Fingerprint(CheckpointFiles files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        foreach (var name in new[] { ModelConfigReader.ConfigFileName, ModelConfigReader.GenerationConfigFileName, TensorNames.Hf.IndexFile })
        {
            var path = Path.Combine(files.Root, name);
            if (!File.Exists(path)) continue;
            Add(name);
            hash.AppendData(File.ReadAllBytes(path));
        }
        foreach (var file in files.Files.OrderBy(f => Path.GetFileName(f.Path), StringComparer.Ordinal))
        {
            Add($"{Path.GetFileName(file.Path)} {file.Header.FileLength}");
            hash.AppendData(file.Header.RawJson);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Takes named tensors from the checkpoint, checking shape and dtype and naming file + tensor on failure.</summary>
    private sealed class Reader(CheckpointFiles files)
    {
        private readonly List<Tensor> taken = [];

        public Tensor Track(Tensor tensor)
        {
            taken.Add(tensor);
            return tensor;
        }

        /// <summary>Disposes every tensor taken so far (disposing one twice is harmless in TorchSharp).</summary>
        public void DisposeTaken()
        {
            foreach (var tensor in taken) tensor.Dispose();
            taken.Clear();
        }

        public Tensor Take(string name, long[] shape, ScalarType[] dtypes)
        {
            var file = files.FileOf(name) ?? throw new CheckpointException($"{files.SearchedIn}: tensor '{name}' is missing");
            var entry = file.Header.Tensors[name];
            if (!entry.Shape.SequenceEqual(shape))
            {
                throw new CheckpointException($"{file.Path}: tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], expected [{string.Join(", ", shape)}] from the config");
            }
            var type = SafetensorsDType.ToTorch(entry.DType);
            if (type is null || !dtypes.Contains(type.Value))
            {
                throw new CheckpointException($"{file.Path}: tensor '{name}' has dtype {entry.DType}, expected {string.Join(" or ", dtypes.Select(SafetensorsDType.FromTorch))}");
            }
            return Track(file.Get(name));
        }

        /// <summary>Takes an [E, in, out] tensor and returns the output-major [E, out, in] view.</summary>
        public Tensor TakeTransposed(string name, long[] shape, ScalarType[] dtypes)
        {
            using var stored = Take(name, shape, dtypes);
            return Track(stored.transpose(1, 2));
        }
    }
}
