namespace GptOssWorkbench.Engine.Weights.Checkpoints;

using System.Text.Json;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Safetensors;

/// <summary>
/// The config and safetensors files of one checkpoint folder, with a tensor-name → file map.
/// Folder rule: read DIR itself when it has a config.json; otherwise, if DIR/original/config.json exists
/// (a hub download of only the original/ folder keeps that subfolder), read DIR/original. The top level wins
/// because a full hub download has both and the HF files there are the primary format.
/// HF: files come from model.safetensors.index.json's weight_map (never guessed), else model.safetensors.
/// Original: every *.safetensors in the folder, as OpenAI's loader does.
/// </summary>
internal sealed class CheckpointFiles : IDisposable
{
    private readonly Dictionary<string, SafetensorsFile> fileByTensor;

    private CheckpointFiles(string directory, string root, ConfigFlavour flavour, ModelConfig config, string? indexPath,
        IReadOnlyList<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileByTensor)
    {
        Directory = directory;
        Root = root;
        Flavour = flavour;
        Config = config;
        IndexPath = indexPath;
        Files = files;
        this.fileByTensor = fileByTensor;
    }

    public string Directory { get; }
    public string Root { get; }
    public ConfigFlavour Flavour { get; }
    public ModelConfig Config { get; }
    public string? IndexPath { get; }
    public IReadOnlyList<SafetensorsFile> Files { get; }
    public int TensorCount => fileByTensor.Count;

    /// <summary>Where a missing tensor was looked for, for error messages.</summary>
    public string SearchedIn => IndexPath ?? (Files.Count == 1 ? Files[0].Path : $"{Root} ({string.Join(", ", Files.Select(f => System.IO.Path.GetFileName(f.Path)))})");

    public SafetensorsFile? FileOf(string tensorName) => fileByTensor.GetValueOrDefault(tensorName);

    public static CheckpointFiles Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new CheckpointException($"{directory}: checkpoint folder not found");
        var root = ResolveRoot(directory);
        var config = ModelConfigReader.Read(root, out var flavour);
        var opened = new List<SafetensorsFile>();
        try
        {
            string? indexPath = null;
            Dictionary<string, SafetensorsFile> map;
            if (flavour == ConfigFlavour.Original)
            {
                var paths = System.IO.Directory.GetFiles(root, "*.safetensors").Order(StringComparer.Ordinal).ToList();
                if (paths.Count == 0) throw new CheckpointException($"{root}: original-layout config.json but no *.safetensors file in the folder");
                opened.AddRange(paths.Select(SafetensorsFile.Open));
                map = MapByHeaders(opened);
            }
            else if (File.Exists(System.IO.Path.Combine(root, TensorNames.Hf.IndexFile)))
            {
                indexPath = System.IO.Path.Combine(root, TensorNames.Hf.IndexFile);
                map = MapByIndex(root, indexPath, opened);
            }
            else
            {
                var single = System.IO.Path.Combine(root, TensorNames.Hf.SingleFile);
                if (!File.Exists(single))
                {
                    throw new CheckpointException($"{root}: unknown layout: HF config.json but neither {TensorNames.Hf.SingleFile} nor {TensorNames.Hf.IndexFile}");
                }
                opened.Add(SafetensorsFile.Open(single));
                map = MapByHeaders(opened);
            }
            return new CheckpointFiles(directory, root, flavour, config, indexPath, opened, map);
        }
        catch
        {
            foreach (var file in opened) file.Dispose();
            throw;
        }
    }

    private static string ResolveRoot(string directory)
    {
        if (File.Exists(System.IO.Path.Combine(directory, ModelConfigReader.ConfigFileName))) return directory;
        var original = System.IO.Path.Combine(directory, "original");
        if (File.Exists(System.IO.Path.Combine(original, ModelConfigReader.ConfigFileName))) return original;
        throw new CheckpointException($"{directory}: unknown layout: no {ModelConfigReader.ConfigFileName} in the folder (nor in its original/ subfolder)");
    }

    private static Dictionary<string, SafetensorsFile> MapByHeaders(IEnumerable<SafetensorsFile> files)
    {
        var map = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var name in file.Header.Tensors.Keys)
            {
                if (map.TryGetValue(name, out var other))
                {
                    throw new CheckpointException($"{file.Path}: tensor '{name}' is also stored in {other.Path}");
                }
                map[name] = file;
            }
        }
        return map;
    }

    private static Dictionary<string, SafetensorsFile> MapByIndex(string root, string indexPath, List<SafetensorsFile> opened)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!document.RootElement.TryGetProperty("weight_map", out var element) || element.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{indexPath}: missing required field 'weight_map'");
            }
            weightMap = element.EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new CheckpointException($"{indexPath}: weight_map entry '{p.Name}' is not a file name"),
                StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{indexPath}: invalid JSON ({e.Message})");
        }

        var byFileName = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var fileName in weightMap.Values.Distinct().Order(StringComparer.Ordinal))
        {
            var path = System.IO.Path.Combine(root, fileName);
            if (fileName.Contains('/') || fileName.Contains('\\') || !File.Exists(path))
            {
                var tensor = weightMap.First(p => p.Value == fileName).Key;
                throw new CheckpointException($"{indexPath}: weight_map puts tensor '{tensor}' in {fileName}, which does not exist in {root}");
            }
            var file = SafetensorsFile.Open(path);
            opened.Add(file);
            byFileName[fileName] = file;
        }

        var map = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var (tensor, fileName) in weightMap)
        {
            var file = byFileName[fileName];
            if (!file.Contains(tensor))
            {
                throw new CheckpointException($"{file.Path}: tensor '{tensor}' is missing (the weight_map of {indexPath} puts it in this file)");
            }
            map[tensor] = file;
        }
        return map;
    }

    public void Dispose()
    {
        foreach (var file in Files) file.Dispose();
    }
}
