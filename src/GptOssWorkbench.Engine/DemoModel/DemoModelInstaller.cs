namespace GptOssWorkbench.Engine.DemoModel;

using System.IO.Compression;
using System.Security.Cryptography;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Safetensors;
using GptOssWorkbench.Engine.Weights.Synthetic;
using static TorchSharp.torch;

/// <summary>
/// Expands the compact demo artifact into a normal Hugging Face MXFP4 checkpoint (config.json,
/// generation_config.json, model.safetensors with all 201088 vocabulary rows) that <see cref="CheckpointLoader"/>
/// loads. Unused ids get the unknown embedding row and the shared unused unembedding row. The same artifact always
/// gives byte-identical files.
/// </summary>
public static class DemoModelInstaller
{
    /// <summary>Name of the artifact embedded in this assembly.</summary>
    public const string ResourceName = "GptOssWorkbench.Engine.DemoModel.gpt-oss-nano.bin.gz";

    /// <summary>Written last into the expanded folder: the artifact's SHA-256, so a stale or partial folder is redone.</summary>
    public const string StampFile = "demo-artifact.sha256";

    /// <summary>True when this build ships a trained demo artifact.</summary>
    public static bool HasEmbeddedArtifact => typeof(DemoModelInstaller).Assembly.GetManifestResourceInfo(ResourceName) is not null;

    /// <summary>Expands the embedded artifact into <paramref name="targetDirectory"/> unless it already holds it; returns the folder.</summary>
    public static string EnsureExpanded(string targetDirectory)
    {
        using var stream = typeof(DemoModelInstaller).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"This build has no embedded demo model (resource '{ResourceName}'); train one with `gptoss train-demo`.");
        return EnsureExpanded(stream, targetDirectory);
    }

    public static string EnsureExpanded(string artifactPath, string targetDirectory)
    {
        using var stream = File.OpenRead(artifactPath);
        return EnsureExpanded(stream, targetDirectory);
    }

    public static string EnsureExpanded(Stream artifact, string targetDirectory)
    {
        var target = Path.GetFullPath(targetDirectory);
        using var buffer = new MemoryStream();
        artifact.CopyTo(buffer);
        var hash = Convert.ToHexString(SHA256.HashData(buffer.ToArray())).ToLowerInvariant();
        var stamp = Path.Combine(target, StampFile);
        if (File.Exists(stamp) && File.ReadAllText(stamp).Trim() == hash) return target;

        TorchRuntime.EnsureLoaded();
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.expanding-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var raw = Path.Combine(staging, "artifact.safetensors");
            buffer.Position = 0;
            using (var gzip = new GZipStream(buffer, CompressionMode.Decompress, leaveOpen: true))
            using (var output = File.Create(raw))
            {
                gzip.CopyTo(output);
            }
            Expand(raw, staging);
            File.Delete(raw);
            File.WriteAllText(Path.Combine(staging, StampFile), hash + "\n");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(staging, target);
            return target;
        }
        catch (Exception e) when (e is InvalidDataException or CheckpointException)
        {
            throw new InvalidDataException($"The demo model artifact is corrupt: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Writes model.safetensors and the config files for the decompressed artifact at <paramref name="artifactSafetensors"/>.</summary>
    private static void Expand(string artifactSafetensors, string directory)
    {
        using var file = SafetensorsFile.Open(artifactSafetensors);
        var config = DemoArtifact.ReadConfig(file);
        using var scope = NewDisposeScope();
        var usedIds = file.Get(DemoArtifact.UsedIdsName).data<int>().ToArray();
        var vocabulary = new DemoVocabulary(usedIds);
        var embedding = file.Get(DemoArtifact.EmbeddingName);
        var unembedding = file.Get(DemoArtifact.UnembeddingName);
        if (embedding.shape[0] != vocabulary.Size || unembedding.shape[0] != vocabulary.Size)
            throw new InvalidDataException($"{artifactSafetensors}: embedding tables have {embedding.shape[0]}/{unembedding.shape[0]} rows but {usedIds.Length} ids are listed (+1 shared row expected)");
        var fullToReduced = vocabulary.FullToReduced();
        var tensors = new List<PendingTensor>
        {
            PendingTensor.Of(TensorNames.Hf.Embedding, embedding.index_select(0, fullToReduced)),
            PendingTensor.Of(TensorNames.Hf.FinalNorm, file.Get(TensorNames.Hf.FinalNorm)),
            PendingTensor.Of(TensorNames.Hf.Unembedding, unembedding.index_select(0, fullToReduced)),
        };
        foreach (var name in file.Header.Tensors.Keys.Where(n => n.StartsWith("model.layers.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            tensors.Add(PendingTensor.Of(name, file.Get(name)));
        }
        SafetensorsWriter.Write(Path.Combine(directory, TensorNames.Hf.SingleFile), tensors);
        ConfigFileWriter.Write(directory, config with { VocabSize = HarmonyTokens.VocabularySize }, CheckpointLayout.HfSingle);
    }
}
