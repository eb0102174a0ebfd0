namespace GptOssWorkbench.Engine.Tests.Harmony;

using System.Text;
using GptOssWorkbench.Engine.Harmony;

public class Utf8StreamDecoderTests
{
    [Fact]
    public void Emoji_split_across_two_tokens_is_held_back_then_emitted_whole()
    {
        var decoder = new Utf8StreamDecoder();
        var tokenizer = HarmonyTokenizer.Shared;
        Assert.Equal("", decoder.Append(tokenizer.TokenBytes(71344)));
        Assert.True(decoder.HasPending);
        Assert.Equal("🎉", decoder.Append(tokenizer.TokenBytes(231)));
        Assert.False(decoder.HasPending);
    }

    [Fact]
    public void Character_split_byte_by_byte_comes_out_once_complete()
    {
        var decoder = new Utf8StreamDecoder();
        var bytes = Encoding.UTF8.GetBytes("aé€😊b");
        var output = new StringBuilder();
        var deltas = new List<string>();
        foreach (var b in bytes)
        {
            var delta = decoder.Append([b]);
            Assert.DoesNotContain('\uFFFD', delta);
            if (delta.Length > 0) deltas.Add(delta);
            output.Append(delta);
        }
        output.Append(decoder.Flush());
        Assert.Equal("aé€😊b", output.ToString());
        Assert.Equal(["a", "é", "€", "😊", "b"], deltas);
    }

    [Fact]
    public void Truly_invalid_bytes_become_one_replacement_character_each_and_text_continues()
    {
        // Like the reference test: token 9552 is " \xF0\x9F" (a space and an unfinished 4-byte sequence).
        var decoder = new Utf8StreamDecoder();
        var output = decoder.Append([0x20, 0xF0, 0x9F]) + decoder.Append([0x20, 0xF0, 0x9F]) + decoder.Append("worked"u8) + decoder.Flush();
        Assert.Equal(" \uFFFD \uFFFDworked", output);
    }

    [Fact]
    public void Incomplete_tail_at_end_of_stream_becomes_a_replacement_character()
    {
        var decoder = new Utf8StreamDecoder();
        Assert.Equal("x", decoder.Append([0x78, 0xE2, 0x82]));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("", decoder.Flush());
    }
}
