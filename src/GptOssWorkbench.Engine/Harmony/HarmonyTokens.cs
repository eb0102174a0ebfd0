namespace GptOssWorkbench.Engine.Harmony;

/// <summary>Ids of the o200k_harmony special tokens (spec section 6) and the stop set for sampling.</summary>
public static class HarmonyTokens
{
    public const int StartOfText = 199998;
    public const int EndOfText = 199999;
    public const int Return = 200002;
    public const int Constrain = 200003;
    public const int Channel = 200005;
    public const int Start = 200006;
    public const int End = 200007;
    public const int Message = 200008;
    public const int Call = 200012;
    public const int EndOfPrompt = 200018;

    /// <summary>Number of logits the model produces (ids 0..201087).</summary>
    public const int VocabularySize = 201088;

    /// <summary>
    /// Ids at which the sampler stops: <c>&lt;|return|&gt;</c> (final answer done) and <c>&lt;|call|&gt;</c> (tool call),
    /// plus <c>&lt;|endoftext|&gt;</c> as a safety stop, as the published generation config does.
    /// Deliberately NOT <c>&lt;|end|&gt;</c>: it only closes a message, and the final answer usually comes after it.
    /// </summary>
    public static IReadOnlySet<int> SamplerStopIds { get; } = new HashSet<int> { Return, Call, EndOfText };

    public static bool IsStop(int id) => SamplerStopIds.Contains(id);
}
