namespace GptOssWorkbench.Engine.Harmony;

using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

/// <summary>
/// The o200k_harmony tokenizer, created once and shared (creation parses the 200k-token rank data: ~0.5 s on an idle
/// machine). All members are thread-safe: nothing changes after construction.
/// </summary>
public sealed class HarmonyTokenizer
{
    // The o200k_base pre-tokenizer pattern (same as tiktoken and Microsoft.ML.Tokenizers use).
    private const string O200kPattern =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Lazy<HarmonyTokenizer> SharedInstance = new(() => new HarmonyTokenizer(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The process-wide instance.</summary>
    public static HarmonyTokenizer Shared => SharedInstance.Value;

    /// <summary>
    /// The o200k_harmony special tokens: the 21 that Microsoft.ML.Tokenizers' "gpt-oss-20b" model knows (a test checks
    /// this list against it). Reserved ids beyond 200018 have no name and decode as nothing.
    /// </summary>
    public static IReadOnlyDictionary<string, int> SpecialTokens { get; } = BuildSpecialTokens();

    private static readonly Regex SpecialTokenPattern =
        new(string.Join("|", SpecialTokens.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)));

    private readonly TiktokenTokenizer _ordinary;
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<int, string> _specialNames;

    private HarmonyTokenizer()
    {
        _specialNames = SpecialTokens.ToDictionary(kv => kv.Value, kv => kv.Key);

        // One Tiktoken instance WITHOUT special tokens: a special-aware instance would turn "<|start|>" inside any
        // text into id 200006, and its special map cannot be shrunk. Special strings in trusted text are split out
        // by EncodeWithSpecials instead, exactly as tiktoken's allowed_special="all" does.
        var pretokenizer = new RegexPreTokenizer(new Regex(O200kPattern, RegexOptions.Compiled), null);
        using (var ranks = OpenRankData())
        {
            _ordinary = TiktokenTokenizer.Create(ranks, pretokenizer, null, new Dictionary<string, int>());
        }

        // Microsoft.ML.Tokenizers only decodes to strings (replacing partial characters by U+FFFD), so keep our own
        // id -> bytes table for streaming; specials map to their literal text, reserved ids to nothing.
        _tokenBytes = ReadTokenBytes();
        foreach (var (id, name) in _specialNames)
        {
            _tokenBytes[id] = name.StartsWith("<|reserved_", StringComparison.Ordinal) ? [] : Encoding.UTF8.GetBytes(name);
        }
    }

    /// <summary>Encodes text in which special-token strings become special ids (trusted, e.g. fixtures or model text).</summary>
    public IReadOnlyList<int> EncodeWithSpecials(string text)
    {
        var ids = new List<int>();
        var at = 0;
        foreach (Match special in SpecialTokenPattern.Matches(text))
        {
            ids.AddRange(EncodeOrdinary(text[at..special.Index]));
            ids.Add(SpecialTokens[special.Value]);
            at = special.Index + special.Length;
        }
        ids.AddRange(EncodeOrdinary(text[at..]));
        return ids;
    }

    /// <summary>Encodes text as plain text: "&lt;|start|&gt;" stays five ordinary tokens. Use for all message content.</summary>
    public IReadOnlyList<int> EncodeOrdinary(string text) => text.Length == 0 ? [] : _ordinary.EncodeToIds(text);

    /// <summary>Decodes ids to text; specials appear as their literal strings, reserved and unknown ids as nothing.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids) bytes.AddRange(TokenBytes(id));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The raw bytes of one token (may be part of a UTF-8 character); empty for reserved or unknown ids.</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) =>
        id >= 0 && id < _tokenBytes.Length && _tokenBytes[id] is { } bytes ? bytes : [];

    /// <summary>True for ids of the special range (199998 and up), including reserved ones.</summary>
    public bool IsSpecial(int id) => id >= HarmonyTokens.StartOfText;

    /// <summary>The special token's literal string, e.g. "&lt;|start|&gt;", or null when the id is not a named special.</summary>
    public string? SpecialName(int id) => _specialNames.GetValueOrDefault(id);

    private static Dictionary<string, int> BuildSpecialTokens()
    {
        var tokens = new Dictionary<string, int>
        {
            ["<|startoftext|>"] = HarmonyTokens.StartOfText,
            ["<|endoftext|>"] = HarmonyTokens.EndOfText,
            ["<|return|>"] = HarmonyTokens.Return,
            ["<|constrain|>"] = HarmonyTokens.Constrain,
            ["<|channel|>"] = HarmonyTokens.Channel,
            ["<|start|>"] = HarmonyTokens.Start,
            ["<|end|>"] = HarmonyTokens.End,
            ["<|message|>"] = HarmonyTokens.Message,
            ["<|call|>"] = HarmonyTokens.Call,
            ["<|endofprompt|>"] = HarmonyTokens.EndOfPrompt,
        };
        for (var id = 200000; id < HarmonyTokens.EndOfPrompt; id++)
        {
            if (!tokens.ContainsValue(id)) tokens[$"<|reserved_{id}|>"] = id;
        }
        return tokens;
    }

    private static Stream OpenRankData()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.O200kBase");
        var stream = assembly.GetManifestResourceStream("o200k_base.tiktoken.deflate")
            ?? throw new InvalidOperationException("o200k_base rank data not found in Microsoft.ML.Tokenizers.Data.O200kBase");
        return new DeflateStream(stream, CompressionMode.Decompress);
    }

    // The packaged rank file starts with a "Capacity: N" line, then one base64 token per line in rank order.
    private static byte[][] ReadTokenBytes()
    {
        var table = new byte[HarmonyTokens.VocabularySize][];
        using var reader = new StreamReader(OpenRankData());
        var rank = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            var space = line.IndexOf(' ');
            if (space >= 0)
            {
                // Plain tiktoken format "base64 rank", in case the packaged data ever switches to it.
                rank = int.Parse(line.AsSpan(space + 1));
                line = line[..space];
            }
            table[rank++] = Convert.FromBase64String(line);
        }
        return table;
    }
}
