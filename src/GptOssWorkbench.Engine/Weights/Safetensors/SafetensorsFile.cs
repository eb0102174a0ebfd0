namespace GptOssWorkbench.Engine.Weights.Safetensors;

using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// A safetensors file opened for reading. Tensors are views over a private memory mapping of the file
/// (torch.from_file maps it; nothing is read until a page is touched), so opening a multi-gigabyte checkpoint
/// costs only the header parse. The file is mapped once per dtype because TorchSharp cannot reinterpret a
/// uint8 view as bf16: mapping the file "as bf16" gives the raw bits unchanged.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly Dictionary<ScalarType, Tensor> mappings = [];

    private SafetensorsFile(SafetensorsHeader header) => Header = header;

    public SafetensorsHeader Header { get; }
    public string Path => Header.Path;

    public static SafetensorsFile Open(string path) => new(SafetensorsHeader.Read(path));

    public bool Contains(string name) => Header.Tensors.ContainsKey(name);

    /// <summary>The named tensor with its stored dtype and shape, sharing memory with the mapping.</summary>
    public Tensor Get(string name)
    {
        if (!Header.Tensors.TryGetValue(name, out var entry))
        {
            throw new CheckpointException($"{Path}: tensor '{name}' is missing");
        }
        var type = SafetensorsDType.ToTorch(entry.DType)
            ?? throw new CheckpointException($"{Path}: tensor '{name}' has dtype {entry.DType}, which the engine cannot load");
        var elementSize = SafetensorsDType.ElementSize(entry.DType);
        var absolute = Header.DataStart + entry.Begin;
        if (absolute % elementSize != 0)
        {
            return CopyMisaligned(entry, type, absolute);
        }
        using var flat = Mapping(type).narrow(0, absolute / elementSize, entry.ElementCount);
        return flat.view(entry.Shape);
    }

    private Tensor Mapping(ScalarType type)
    {
        if (!mappings.TryGetValue(type, out var mapping))
        {
            var elements = Header.FileLength / type.ElementSize();
            try
            {
                mapping = from_file(Path, shared: false, size: elements, dtype: type);
            }
            catch (ExternalException e)
            {
                // A private (copy-on-write) mapping is refused by Linux' default overcommit heuristic when one file
                // is larger than RAM + swap; hub checkpoints are sharded into ~5 GB files, so this hits only huge single files.
                throw new CheckpointException($"{Path}: cannot memory-map the file ({Header.FileLength} bytes): {e.Message.Split('\n')[0]}. Files larger than RAM + swap cannot be mapped here; use a sharded checkpoint");
            }
            mappings[type] = mapping;
        }
        return mapping;
    }

    /// <summary>
    /// Writers that do not pad the header can leave a bf16/f32 tensor at an odd address, which a typed mapping
    /// cannot express; such a tensor is copied (in small chunks, never through one big managed array).
    /// </summary>
    private Tensor CopyMisaligned(SafetensorsEntry entry, ScalarType type, long absolute)
    {
        if (entry.ByteLength > int.MaxValue)
        {
            throw new CheckpointException($"{Path}: tensor '{entry.Name}' is misaligned and larger than 2 GB; re-save the file with an 8-byte aligned header");
        }
        var result = empty(entry.Shape, type);
        var target = result.bytes;
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        stream.Seek(absolute, SeekOrigin.Begin);
        stream.ReadExactly(target);
        return result;
    }

    public void Dispose()
    {
        foreach (var mapping in mappings.Values) mapping.Dispose();
        mappings.Clear();
    }
}
