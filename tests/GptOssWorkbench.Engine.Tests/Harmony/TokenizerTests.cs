namespace GptOssWorkbench.Engine.Tests.Harmony;

using System.Text;
using GptOssWorkbench.Engine.Harmony;

public class TokenizerTests
{
    private static HarmonyTokenizer Tokenizer => HarmonyTokenizer.Shared;

    [Theory]
    [InlineData("<|startoftext|>", 199998)]
    [InlineData("<|endoftext|>", 199999)]
    [InlineData("<|return|>", 200002)]
    [InlineData("<|constrain|>", 200003)]
    [InlineData("<|channel|>", 200005)]
    [InlineData("<|start|>", 200006)]
    [InlineData("<|end|>", 200007)]
    [InlineData("<|message|>", 200008)]
    [InlineData("<|call|>", 200012)]
    [InlineData("<|endofprompt|>", 200018)]
    public void Special_tokens_have_the_ids_of_spec_section_6(string text, int id)
    {
        Assert.Equal([id], Tokenizer.EncodeWithSpecials(text));
        Assert.Equal(text, Tokenizer.Decode([id]));
        Assert.Equal(text, Tokenizer.SpecialName(id));
        Assert.True(Tokenizer.IsSpecial(id));
    }

    [Fact]
    public void Special_token_list_and_special_aware_encoding_match_microsoft_ml_tokenizers_gpt_oss_model()
    {
        var library = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForModel("gpt-oss-20b");
        Assert.Equal(library.SpecialTokens!.OrderBy(kv => kv.Value), HarmonyTokenizer.SpecialTokens.OrderBy(kv => kv.Value));
        foreach (var name in new[] { "test_streamable_parser", "test_browser_and_function_tool", "test_render_functions_with_parameters",
                     "test_does_not_drop_if_ongoing_analysis" })
        {
            var text = Fixtures.Text(name) + "<|reserved_200014|><|endofprompt|> trailing";
            Assert.Equal(library.EncodeToIds(text), Tokenizer.EncodeWithSpecials(text));
            // Same text back, except that we decode reserved ids as nothing (spec 6).
            Assert.Equal(Fixtures.Text(name) + "<|endofprompt|> trailing", Tokenizer.Decode(Tokenizer.EncodeWithSpecials(text)));
        }
    }

    [Fact]
    public void Named_constants_match_the_tokenizer()
    {
        Assert.Equal(new[] { 200006, 200008, 200007, 200005, 200003, 200002, 200012, 199999 },
            new[] { HarmonyTokens.Start, HarmonyTokens.Message, HarmonyTokens.End, HarmonyTokens.Channel, HarmonyTokens.Constrain,
                HarmonyTokens.Return, HarmonyTokens.Call, HarmonyTokens.EndOfText });
    }

    [Theory]
    [InlineData("<|start|>user<|message|>Hello<|end|>", new[] { 200006, 1428, 200008, 13225, 200007 })]
    [InlineData("<|start|>assistant", new[] { 200006, 173781 })]
    [InlineData("<|channel|>analysis<|message|>", new[] { 200005, 35644, 200008 })]
    [InlineData("final", new[] { 17196 })]
    [InlineData("commentary", new[] { 12606, 815 })]
    [InlineData("What is 2 + 2?", new[] { 4827, 382, 220, 17, 659, 220, 17, 30 })]
    [InlineData(" to=functions.get_weather", new[] { 316, 28, 44580, 775, 170154 })]
    [InlineData("hello world", new[] { 24912, 2375 })]
    public void Fixed_strings_encode_to_the_verified_ids(string text, int[] ids)
    {
        Assert.Equal(ids, Tokenizer.EncodeWithSpecials(text));
        Assert.Equal(text, Tokenizer.Decode(ids));
    }

    [Fact]
    public void Ordinary_encoding_never_produces_special_ids()
    {
        // Reference: encode("<|start|>", disallowed_special=()) == [27, 91, 5236, 91, 29].
        Assert.Equal([27, 91, 5236, 91, 29], Tokenizer.EncodeOrdinary("<|start|>"));
        Assert.Contains(HarmonyTokens.Start, Tokenizer.EncodeWithSpecials("a <|start|> b"));
        var ordinary = Tokenizer.EncodeOrdinary("a <|start|> b <|call|><|return|>");
        Assert.DoesNotContain(ordinary, id => Tokenizer.IsSpecial(id));
        Assert.Equal("a <|start|> b <|call|><|return|>", Tokenizer.Decode(ordinary));
    }

    [Theory]
    [InlineData("What is 2 + 2?")]
    [InlineData("Hello Müller, Γειά σου, Привет, こんにちは, 🎉 naïve\n\n  code:\tx = 1")]
    [InlineData("# Valid channels: analysis, commentary, final. Channel must be included for every message.")]
    public void Ordinary_and_special_aware_encodings_agree_on_plain_text(string text)
    {
        Assert.Equal(Tokenizer.EncodeWithSpecials(text), Tokenizer.EncodeOrdinary(text));
    }

    [Fact]
    public void Party_emoji_is_split_across_two_tokens_whose_bytes_join_to_its_utf8()
    {
        Assert.Equal([71344, 231], Tokenizer.EncodeOrdinary("🎉"));
        byte[] joined = [.. Tokenizer.TokenBytes(71344), .. Tokenizer.TokenBytes(231)];
        Assert.Equal(new byte[] { 0xF0, 0x9F, 0x8E, 0x89 }, joined);
        Assert.Equal("\uFFFD", Tokenizer.Decode([71344]));
        Assert.Equal("🎉", Tokenizer.Decode([71344, 231]));
    }

    [Theory]
    [InlineData(200000)]
    [InlineData(200013)]
    [InlineData(200019)]
    [InlineData(201087)]
    [InlineData(250000)]
    public void Reserved_and_unknown_ids_decode_as_empty_and_never_stop(int id)
    {
        Assert.Equal("", Tokenizer.Decode([id]));
        Assert.Equal("ab", Tokenizer.Decode([64, id, 65]));
        Assert.False(HarmonyTokens.IsStop(id));
    }

    [Fact]
    public void Sampler_stops_on_return_call_and_endoftext_but_not_on_end()
    {
        Assert.True(HarmonyTokens.IsStop(200002));
        Assert.True(HarmonyTokens.IsStop(200012));
        Assert.True(HarmonyTokens.IsStop(199999));
        Assert.False(HarmonyTokens.IsStop(200007));
        Assert.Equal(3, HarmonyTokens.SamplerStopIds.Count);
    }

    [Fact]
    public void Shared_instance_is_created_once_and_safe_to_use_from_many_threads()
    {
        Assert.Same(HarmonyTokenizer.Shared, HarmonyTokenizer.Shared);
        var text = "The quick brown fox 🦊 jumps over <|start|> the lazy dog";
        var expected = Tokenizer.EncodeOrdinary(text);
        var results = new IReadOnlyList<int>[64];
        Parallel.For(0, results.Length, i => results[i] = Tokenizer.EncodeOrdinary(text));
        Assert.All(results, r => Assert.Equal(expected, r));
        Assert.Equal(text, Tokenizer.Decode(expected));
    }

    [Fact]
    public void Every_ordinary_token_has_bytes_and_the_table_covers_the_base_vocabulary()
    {
        // o200k_base has 199998 ordinary tokens (ids 0..199997), each a non-empty byte string.
        for (var id = 0; id < 199998; id++) Assert.True(Tokenizer.TokenBytes(id).Length > 0, $"token {id} has no bytes");
        Assert.Equal("!", Encoding.UTF8.GetString(Tokenizer.TokenBytes(0)));
    }
}
