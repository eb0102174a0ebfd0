namespace GptOssWorkbench.Engine.Weights.Safetensors;

using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// A tensor to be written: its name, dtype and shape are known up front (the header comes first), its data is
/// produced on demand as a sequence of contiguous chunks whose bytes are concatenated in order. That lets a
/// writer stream a multi-gigabyte checkpoint while holding one chunk at a time.
/// </summary>
public sealed record PendingTensor(string Name, ScalarType DType, long[] Shape, Func<IEnumerable<Tensor>> Chunks)
{
    public long ByteLength => Shape.Aggregate(1L, (n, d) => n * d) * DType.ElementSize();

    public static PendingTensor Of(string name, Tensor tensor) =>
        new(name, tensor.dtype, tensor.shape, () => [tensor.contiguous()]);
}

/// <summary>Writes safetensors files: 8-byte length, JSON header padded with spaces to 8-byte alignment, packed data.</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<PendingTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = BuildHeader(tensors, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in tensors)
        {
            WriteData(stream, tensor);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<PendingTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" })
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", SafetensorsDType.FromTorch(tensor.DType));
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteLength;
            }
            json.WriteEndObject();
        }
        var bytes = buffer.ToArray();
        // Pad with spaces so the data section starts 8-byte aligned (8 + N is a multiple of 8 when N is).
        var padded = (bytes.Length + 7) / 8 * 8;
        var result = Enumerable.Repeat((byte)' ', padded).ToArray();
        bytes.CopyTo(result, 0);
        return result;
    }

    private static void WriteData(Stream stream, PendingTensor tensor)
    {
        long written = 0;
        foreach (var chunk in tensor.Chunks())
        {
            using (chunk)
            {
                if (chunk.dtype != tensor.DType)
                {
                    throw new InvalidOperationException($"Tensor '{tensor.Name}': chunk has dtype {chunk.dtype}, declared {tensor.DType}");
                }
                using var contiguous = chunk.contiguous();
                var bytes = contiguous.bytes;
                stream.Write(bytes);
                written += bytes.Length;
            }
        }
        if (written != tensor.ByteLength)
        {
            throw new InvalidOperationException($"Tensor '{tensor.Name}': chunks produced {written} bytes, header declares {tensor.ByteLength}");
        }
    }
}
