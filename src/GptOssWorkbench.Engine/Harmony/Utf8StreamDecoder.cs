namespace GptOssWorkbench.Engine.Harmony;

using System.Buffers;
using System.Text.Unicode;

/// <summary>
/// Turns a stream of token bytes into text. A token may end in the middle of a multi-byte character (in o200k "🎉"
/// is two tokens, and either alone is not valid UTF-8), so the incomplete tail (at most 3 bytes) is held back until
/// the next bytes arrive; only truly invalid bytes become U+FFFD.
/// </summary>
public sealed class Utf8StreamDecoder
{
    private byte[] _pending = [];

    /// <summary>True while an incomplete character is held back.</summary>
    public bool HasPending => _pending.Length > 0;

    /// <summary>Adds bytes and returns all text that is now complete (possibly empty).</summary>
    public string Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return "";
        byte[] all = [.. _pending, .. bytes];
        var text = DecodeValidPrefix(all, isFinalBlock: false, out var consumed);
        _pending = all[consumed..];
        return text;
    }

    /// <summary>Ends the stream: an incomplete tail becomes U+FFFD.</summary>
    public string Flush()
    {
        var text = DecodeValidPrefix(_pending, isFinalBlock: true, out _);
        _pending = [];
        return text;
    }

    private static string DecodeValidPrefix(byte[] bytes, bool isFinalBlock, out int consumed)
    {
        var chars = new char[bytes.Length + 1];
        var status = Utf8.ToUtf16(bytes, chars, out consumed, out var written, replaceInvalidSequences: true, isFinalBlock);
        if (status is not (OperationStatus.Done or OperationStatus.NeedMoreData))
        {
            throw new InvalidOperationException($"UTF-8 decoding failed with {status}");
        }
        return new string(chars, 0, written);
    }
}
