namespace GptOssWorkbench.Web.Api;

using System.Text;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Token logprobs in OpenAI's shape: <c>{"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}</c>.
/// <c>bytes</c> matters because a token can be part of a UTF-8 character; its <c>token</c> text then holds U+FFFD.
/// </summary>
public static class ApiLogprobs
{
    public static object Content(IEnumerable<TokenLogprob> tokens) => new
    {
        content = tokens.Select(t => new
        {
            token = Text(t.TokenId),
            logprob = (double)t.Logprob,
            bytes = Bytes(t.TokenId),
            top_logprobs = t.Top.Select(a => new { token = Text(a.TokenId), logprob = (double)a.Logprob, bytes = Bytes(a.TokenId) }).ToArray(),
        }).ToArray(),
        refusal = (object?)null,
    };

    /// <summary>
    /// The completions shape (as vLLM's): <c>{tokens, token_logprobs, top_logprobs: [{text: logprob}], text_offset}</c>, offsets
    /// counted in characters of the returned text from <paramref name="textOffset"/>.
    /// </summary>
    public static object Completions(IReadOnlyList<TokenLogprob> tokens, int textOffset)
    {
        var offsets = new int[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            offsets[i] = textOffset;
            textOffset += Text(tokens[i].TokenId).Length;
        }
        return new
        {
            tokens = tokens.Select(t => Text(t.TokenId)).ToArray(),
            token_logprobs = tokens.Select(t => (double)t.Logprob).ToArray(),
            // Two top tokens can share a text (pieces of a UTF-8 character): the likelier one is kept.
            top_logprobs = tokens.Select(t => t.Top.GroupBy(a => Text(a.TokenId)).ToDictionary(g => g.Key, g => (double)g.Max(a => a.Logprob))).ToArray(),
            text_offset = offsets,
        };
    }

    /// <summary>A token's text on its own (a piece of a UTF-8 character shows as U+FFFD); also used by the transcript token view.</summary>
    public static string Text(int tokenId) => Encoding.UTF8.GetString(HarmonyTokenizer.Shared.TokenBytes(tokenId));

    private static int[] Bytes(int tokenId)
    {
        var bytes = HarmonyTokenizer.Shared.TokenBytes(tokenId);
        var result = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) result[i] = bytes[i];
        return result;
    }
}
