namespace GptOssWorkbench.Engine.Weights.Safetensors;

using TorchSharp;

/// <summary>The dtype strings of the safetensors format, their element sizes and the matching torch types.</summary>
public static class SafetensorsDType
{
    private static readonly Dictionary<string, (int Size, torch.ScalarType? Torch)> Known = new()
    {
        ["BOOL"] = (1, torch.ScalarType.Bool),
        ["U8"] = (1, torch.ScalarType.Byte),
        ["I8"] = (1, torch.ScalarType.Int8),
        ["U16"] = (2, null),
        ["I16"] = (2, torch.ScalarType.Int16),
        ["F16"] = (2, torch.ScalarType.Float16),
        ["BF16"] = (2, torch.ScalarType.BFloat16),
        ["U32"] = (4, null),
        ["I32"] = (4, torch.ScalarType.Int32),
        ["F32"] = (4, torch.ScalarType.Float32),
        ["F64"] = (8, torch.ScalarType.Float64),
        ["U64"] = (8, null),
        ["I64"] = (8, torch.ScalarType.Int64),
        // fp8 types are parsed (so headers of such files can be inspected) but have no torch type here.
        ["F8_E4M3"] = (1, null),
        ["F8_E5M2"] = (1, null),
    };

    public static bool IsKnown(string dtype) => Known.ContainsKey(dtype);

    public static int ElementSize(string dtype) => Known.TryGetValue(dtype, out var info)
        ? info.Size
        : throw new ArgumentException($"Unknown safetensors dtype '{dtype}'", nameof(dtype));

    /// <summary>The torch type of a safetensors dtype, or null when TorchSharp has no such type.</summary>
    public static torch.ScalarType? ToTorch(string dtype) => Known.TryGetValue(dtype, out var info) ? info.Torch : null;

    public static string FromTorch(torch.ScalarType type)
    {
        foreach (var (name, info) in Known)
        {
            if (info.Torch == type) return name;
        }
        throw new ArgumentException($"No safetensors dtype for torch type {type}", nameof(type));
    }
}
