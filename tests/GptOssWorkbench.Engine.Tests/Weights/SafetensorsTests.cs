namespace GptOssWorkbench.Engine.Tests.Weights;

using System.Buffers.Binary;
using System.Text;
using GptOssWorkbench.Engine.Weights.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

public class SafetensorsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public SafetensorsTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => temp.Dispose();

    /// <summary>Builds a safetensors file by hand: length, header text (optionally padded), data bytes.</summary>
    private string HandWritten(string name, string header, byte[] data, bool pad = true)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        if (pad)
        {
            var padded = (headerBytes.Length + 7) / 8 * 8;
            headerBytes = [.. headerBytes, .. Enumerable.Repeat((byte)' ', padded - headerBytes.Length)];
        }
        var path = temp.Sub(name);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        File.WriteAllBytes(path, [.. length, .. headerBytes, .. data]);
        return path;
    }

    // bf16 bit patterns: 1.0, -2.5, the largest finite, the smallest subnormal, +inf, a NaN with payload.
    private static readonly ushort[] Bf16Bits = [0x3F80, 0xC020, 0x7F7F, 0x0001, 0x7F80, 0x7FC1];

    private static byte[] LittleEndian(ushort[] values) => [.. values.SelectMany(v => new[] { (byte)(v & 0xFF), (byte)(v >> 8) })];

    [Fact]
    public void Raw_bf16_bits_are_read_without_conversion()
    {
        var path = HandWritten("bf16.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]}}", LittleEndian(Bf16Bits));
        using var file = SafetensorsFile.Open(path);
        using var w = file.Get("w");

        Assert.Equal(ScalarType.BFloat16, w.dtype);
        Assert.Equal(new long[] { 2, 3 }, w.shape);
        // bf16 -> f32 is exact: the f32 bits are the bf16 bits shifted left by 16.
        using var asFloat = w.to_type(ScalarType.Float32);
        var floats = asFloat.data<float>().ToArray();
        Assert.Equal(Bf16Bits.Select(b => b << 16), floats.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Writer_round_trips_bf16_bits_and_pads_the_header()
    {
        var source = HandWritten("in.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[6],\"data_offsets\":[0,12]}}", LittleEndian(Bf16Bits));
        var copy = temp.Sub("out.safetensors");
        using (var file = SafetensorsFile.Open(source))
        using (var w = file.Get("w"))
        {
            SafetensorsWriter.Write(copy, [PendingTensor.Of("w", w)]);
        }

        var bytes = File.ReadAllBytes(copy);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        using var header = System.Text.Json.JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
        Assert.Equal("BF16", header.RootElement.GetProperty("w").GetProperty("dtype").GetString());
        Assert.Equal(LittleEndian(Bf16Bits), bytes[(int)(8 + headerLength)..]);
    }

    [Fact]
    public void Mixed_dtypes_scalars_and_metadata_round_trip()
    {
        var path = temp.Sub("mixed.safetensors");
        using (var f = tensor(new float[] { 1.5f, -3.25f, 1e-30f, 7f }, new long[] { 2, 2 }))
        using (var u = tensor(new byte[] { 0, 1, 254, 255, 16 }, new long[] { 5 }))
        using (var s = tensor(42.5f))
        {
            SafetensorsWriter.Write(path, [PendingTensor.Of("f", f), PendingTensor.Of("u", u), PendingTensor.Of("s", s)], new Dictionary<string, string> { ["format"] = "pt", ["note"] = "test" });
        }

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("test", file.Header.Metadata["note"]);
        using var f2 = file.Get("f");
        using var u2 = file.Get("u");
        using var s2 = file.Get("s");
        Assert.Equal(new float[] { 1.5f, -3.25f, 1e-30f, 7f }, f2.data<float>().ToArray());
        Assert.Equal(new long[] { 2, 2 }, f2.shape);
        Assert.Equal(new byte[] { 0, 1, 254, 255, 16 }, u2.data<byte>().ToArray());
        Assert.Empty(s2.shape);
        Assert.Equal(42.5f, s2.item<float>());
    }

    [Fact]
    public void Unpadded_header_with_misaligned_bf16_data_still_reads_exactly()
    {
        // A 1-byte U8 tensor first pushes the bf16 tensor to an odd file offset.
        var header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"BF16\",\"shape\":[6],\"data_offsets\":[1,13]}}";
        var path = HandWritten("odd.safetensors", header, [9, .. LittleEndian(Bf16Bits)], pad: false);
        using var file = SafetensorsFile.Open(path);
        Assert.NotEqual(0, (file.Header.DataStart + 1) % 2);
        using var w = file.Get("w");
        using var asFloat = w.to_type(ScalarType.Float32);
        Assert.Equal(Bf16Bits.Select(b => b << 16), asFloat.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Tensors_are_views_of_a_file_mapping_not_copies()
    {
        var path = temp.Sub("mapped.safetensors");
        using (var values = tensor(new float[] { 1f, 2f, 3f, 4f }))
        {
            SafetensorsWriter.Write(path, [PendingTensor.Of("v", values)]);
        }
        using var file = SafetensorsFile.Open(path);
        using var v = file.Get("v");
        Assert.Equal(1f, v[0].item<float>());

        // Change the file behind the loaded tensor: a memory-mapped view sees the new bytes (Linux shares the
        // page cache with untouched private mappings); a copied tensor would still hold 1.
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Seek(file.Header.DataStart, SeekOrigin.Begin);
            stream.Write(BitConverter.GetBytes(99f));
        }
        Assert.Equal(99f, v[0].item<float>());
    }
}
