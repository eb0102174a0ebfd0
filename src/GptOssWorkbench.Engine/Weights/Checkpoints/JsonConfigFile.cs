namespace GptOssWorkbench.Engine.Weights.Checkpoints;

using System.Text.Json;

/// <summary>A parsed JSON config file whose getters name the file and the field when something is missing or wrong.</summary>
internal sealed class JsonConfigFile
{
    private JsonConfigFile(string path, JsonElement root)
    {
        Path = path;
        Root = root;
    }

    public string Path { get; }
    public JsonElement Root { get; }

    public static JsonConfigFile Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{path}: not a JSON object");
            return new JsonConfigFile(path, document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: invalid JSON ({e.Message})");
        }
    }

    public bool Has(string key) => Root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    public int Int(string key) => Int(Root, key, key);
    public double Double(string key) => Double(Root, key, key);
    public double DoubleOr(string key, double fallback) => Has(key) ? Double(key) : fallback;

    public int Int(JsonElement parent, string key, string fieldPath) =>
        Number(parent, key, fieldPath) is var n && n == Math.Floor(n) && n is >= int.MinValue and <= int.MaxValue
            ? (int)n
            : throw new CheckpointException($"{Path}: field '{fieldPath}' must be an integer");

    public double Double(JsonElement parent, string key, string fieldPath) => Number(parent, key, fieldPath);

    private double Number(JsonElement parent, string key, string fieldPath)
    {
        if (!parent.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new CheckpointException($"{Path}: missing required field '{fieldPath}'");
        }
        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new CheckpointException($"{Path}: field '{fieldPath}' must be a number, got {value.ValueKind}");
    }

    /// <summary>An int or a list of ints (eos_token_id is either), or empty when absent.</summary>
    public IReadOnlyList<int> IntOrList(string key)
    {
        if (!Root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind == JsonValueKind.Number) return [value.GetInt32()];
        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number))
        {
            return [.. value.EnumerateArray().Select(v => v.GetInt32())];
        }
        throw new CheckpointException($"{Path}: field '{key}' must be an integer or a list of integers");
    }
}
