namespace GptOssWorkbench.Engine.Weights.Safetensors;

using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

/// <summary>One tensor's entry in a safetensors header. Offsets are relative to the first data byte.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
    public long ByteLength => End - Begin;
}

/// <summary>
/// The parsed and validated header of one safetensors file: an 8-byte little-endian length N, then N bytes of
/// JSON (padded with spaces), then the packed data. Validation only reads the header, never the data, so it is
/// cheap even for multi-gigabyte files, yet catches truncated files and headers that lie.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Refuse absurd header lengths before allocating: real headers are a few hundred KB at most.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    public required string Path { get; init; }
    public required long FileLength { get; init; }
    /// <summary>Absolute file offset of the first data byte (8 + N).</summary>
    public required long DataStart { get; init; }
    public required IReadOnlyDictionary<string, SafetensorsEntry> Tensors { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    /// <summary>The raw header bytes as stored (including padding); used for the checkpoint fingerprint.</summary>
    public required byte[] RawJson { get; init; }

    public static SafetensorsHeader Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new CheckpointException($"{path}: file has {fileLength} bytes, too short for the 8-byte safetensors header length");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
        {
            throw new CheckpointException(
                $"{path}: header length {headerLength} is not sane (file has {fileLength} bytes; limit {MaxHeaderBytes}): truncated or not a safetensors file");
        }
        var raw = new byte[headerLength];
        stream.ReadExactly(raw);
        return Parse(path, fileLength, raw);
    }

    private static SafetensorsHeader Parse(string path, long fileLength, byte[] raw)
    {
        var dataStart = 8 + raw.LongLength;
        var dataLength = fileLength - dataStart;
        var text = Encoding.UTF8.GetString(raw).TrimEnd(' ', '\0', '\n', '\r', '\t');
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: header is not valid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{path}: header JSON is not an object");
            }
            var tensors = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var item in property.Value.EnumerateObject())
                        {
                            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
                        }
                    }
                    continue;
                }
                var entry = ParseEntry(path, property);
                if (entry.End > dataLength)
                {
                    throw new CheckpointException(
                        $"{path}: tensor '{entry.Name}' data ends at byte {dataStart + entry.End} but the file has only {fileLength} bytes (truncated file or data_offsets beyond the file)");
                }
                tensors[entry.Name] = entry;
            }
            CheckNoOverlap(path, tensors.Values);
            return new SafetensorsHeader
            {
                Path = path,
                FileLength = fileLength,
                DataStart = dataStart,
                Tensors = tensors,
                Metadata = metadata,
                RawJson = raw,
            };
        }
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property)
    {
        var name = property.Name;
        var value = property.Value;
        CheckpointException Fail(string what) => new($"{path}: tensor '{name}' {what}");

        if (value.ValueKind != JsonValueKind.Object) throw Fail("entry is not a JSON object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String) throw Fail("has no dtype string");
        var dtype = dtypeElement.GetString()!;
        if (!SafetensorsDType.IsKnown(dtype)) throw Fail($"has unknown dtype '{dtype}'");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array) throw Fail("has no shape array");
        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var size) || size < 0) throw Fail($"has an invalid shape {shapeElement.GetRawText()}");
            shape.Add(dim.GetInt64());
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2) throw Fail("has no [begin, end] data_offsets");
        if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
        {
            throw Fail($"has invalid data_offsets {offsets.GetRawText()}");
        }

        long elements;
        try
        {
            elements = shape.Aggregate(1L, (n, d) => checked(n * d));
            var expected = checked(elements * SafetensorsDType.ElementSize(dtype));
            if (end - begin != expected)
            {
                throw Fail($"has data_offsets [{begin}, {end}] spanning {end - begin} bytes, but {dtype} shape [{string.Join(", ", shape)}] needs {expected}");
            }
        }
        catch (OverflowException)
        {
            throw Fail($"has a shape too large to address [{string.Join(", ", shape)}]");
        }
        return new SafetensorsEntry(name, dtype, [.. shape], begin, end);
    }

    private static void CheckNoOverlap(string path, IEnumerable<SafetensorsEntry> entries)
    {
        SafetensorsEntry? previous = null;
        foreach (var entry in entries.Where(e => e.ByteLength > 0).OrderBy(e => e.Begin))
        {
            if (previous is not null && entry.Begin < previous.End)
            {
                throw new CheckpointException($"{path}: tensor '{entry.Name}' data overlaps tensor '{previous.Name}' (header offsets are inconsistent)");
            }
            previous = entry;
        }
    }
}
