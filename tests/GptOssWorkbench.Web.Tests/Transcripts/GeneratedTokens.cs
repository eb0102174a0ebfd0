namespace GptOssWorkbench.Web.Tests.Transcripts;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Stored logprobs made of real o200k_harmony ids, as the engine records a completion after the prompt's
/// <c>&lt;|start|&gt;assistant</c>: headers and terminators near-certain, message text at a probability the test picks.
/// </summary>
public static class GeneratedTokens
{
    private static readonly HarmonyTokenizer Tokenizer = HarmonyTokenizer.Shared;

    /// <summary>Harmony markup such as <c>&lt;|channel|&gt;final&lt;|message|&gt;</c>, with the special tokens as such.</summary>
    public static IEnumerable<TokenLogprob> Markup(string harmony) =>
        Tokenizer.EncodeWithSpecials(harmony).Select(id => new TokenLogprob(id, -0.001f, []));

    /// <summary>Message text, every token at probability <paramref name="p"/> with " seven" as its one alternative.</summary>
    public static IEnumerable<TokenLogprob> Text(string text, double p) =>
        Tokenizer.EncodeOrdinary(text).Select(id => new TokenLogprob(id, (float)Math.Log(p), [new(id, (float)Math.Log(p)), new(Seven, (float)Math.Log(0.02))]));

    /// <summary>A run's analysis then final message, as TestDatabase.AddRun stores them.</summary>
    public static List<TokenLogprob> ReasoningAndAnswer(string reasoning, double reasoningP, string answer, double answerP) =>
    [
        .. Markup("<|channel|>analysis<|message|>"), .. Text(reasoning, reasoningP),
        .. Markup("<|end|><|start|>assistant<|channel|>final<|message|>"), .. Text(answer, answerP),
        .. Markup("<|return|>"),
    ];

    public static int TextTokenCount(string text) => Tokenizer.EncodeOrdinary(text).Count;

    private static readonly int Seven = Tokenizer.EncodeOrdinary(" seven").Single();
}
