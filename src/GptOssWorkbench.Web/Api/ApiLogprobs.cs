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
