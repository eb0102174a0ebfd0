namespace GptOssWorkbench.Engine.DemoModel;

using System.Globalization;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Builds the token ids of an assistant completion piece by piece: text as ordinary o200k text, numbers one digit
/// per token. The ids decode to exactly the text a reader sees; only the split of numbers differs from o200k's own.
/// </summary>
internal sealed class CompletionWriter
{
    private readonly HarmonyTokenizer tokenizer = HarmonyTokenizer.Shared;

    public List<int> Ids { get; } = [];

    public CompletionWriter Text(string text)
    {
        Ids.AddRange(tokenizer.EncodeOrdinary(text));
        return this;
    }

    public CompletionWriter Number(long value)
    {
        foreach (var digit in value.ToString(CultureInfo.InvariantCulture)) Ids.Add(DigitTokens.SingleDigits[digit - '0']);
        return this;
    }

    public CompletionWriter Token(int id)
    {
        Ids.Add(id);
        return this;
    }
}
