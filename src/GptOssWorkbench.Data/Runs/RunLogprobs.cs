namespace GptOssWorkbench.Data.Runs;

using System.Buffers.Binary;

/// <summary>
/// Per-token log-probabilities of a run's completion, one row per run. A row per token would make a
/// 4,000-token answer 4,000 rows; the UI always wants all of them at once, so they are packed into one
/// little-endian binary payload (about 9 bytes per token plus 8 per alternative).
/// </summary>
public class RunLogprobs
{
    private const byte FormatVersion = 1;

    public long RunId { get; set; }
    public Run? Run { get; set; }
    public int TokenCount { get; set; }
    public byte[] Payload { get; set; } = [];

    public static RunLogprobs Create(IReadOnlyList<TokenLogprob> tokens) =>
        new() { TokenCount = tokens.Count, Payload = Encode(tokens) };

    public IReadOnlyList<TokenLogprob> Read() => Decode(Payload);

    /// <summary>Layout: version byte, int32 count, then per token: int32 id, float32 logprob, byte n, n × (int32, float32).</summary>
    public static byte[] Encode(IReadOnlyList<TokenLogprob> tokens)
    {
        var size = 1 + 4 + tokens.Sum(t => 9 + 8 * t.Top.Count);
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = FormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], tokens.Count);
        var at = 5;
        foreach (var token in tokens)
        {
            if (token.Top.Count > byte.MaxValue)
                throw new ArgumentException($"At most {byte.MaxValue} alternatives per token can be stored.", nameof(tokens));
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], token.TokenId);
            BinaryPrimitives.WriteSingleLittleEndian(span[(at + 4)..], token.Logprob);
            span[at + 8] = (byte)token.Top.Count;
            at += 9;
            foreach (var top in token.Top)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], top.TokenId);
                BinaryPrimitives.WriteSingleLittleEndian(span[(at + 4)..], top.Logprob);
                at += 8;
            }
        }
        return bytes;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming what is wrong when the payload is not one <see cref="Encode"/> wrote.</summary>
    public static IReadOnlyList<TokenLogprob> Decode(byte[] payload)
    {
        ReadOnlySpan<byte> span = payload;
        if (span.Length < 5 || span[0] != FormatVersion)
            throw new InvalidDataException("Logprobs payload has an unknown format.");
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[1..]);
        // Checked before allocating: a corrupt count must not ask for gigabytes.
        if (count < 0 || count > (span.Length - 5) / 9)
            throw new InvalidDataException($"Logprobs payload claims {count} tokens but has only {span.Length} bytes.");
        var tokens = new List<TokenLogprob>(count);
        var at = 5;
        for (var i = 0; i < count; i++)
        {
            if (at + 9 > span.Length)
                throw new InvalidDataException($"Logprobs payload ends inside token {i + 1} of {count}.");
            var id = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            var logprob = BinaryPrimitives.ReadSingleLittleEndian(span[(at + 4)..]);
            int topCount = span[at + 8];
            at += 9;
            if (at + 8 * topCount > span.Length)
                throw new InvalidDataException($"Logprobs payload ends inside the alternatives of token {i + 1} of {count}.");
            var top = new TopLogprob[topCount];
            for (var k = 0; k < topCount; k++, at += 8)
                top[k] = new TopLogprob(BinaryPrimitives.ReadInt32LittleEndian(span[at..]), BinaryPrimitives.ReadSingleLittleEndian(span[(at + 4)..]));
            tokens.Add(new TokenLogprob(id, logprob, top));
        }
        if (at != span.Length)
            throw new InvalidDataException($"Logprobs payload has {span.Length - at} bytes after its {count} tokens.");
        return tokens;
    }
}
