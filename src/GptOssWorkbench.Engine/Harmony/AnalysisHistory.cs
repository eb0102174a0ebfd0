namespace GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Which earlier chain-of-thought (analysis) messages stay in a rendered prompt. The sources disagree (spec 7.6), so
/// the rule is explicit:
/// <list type="bullet">
/// <item><see cref="DropBeforeLastFinal"/> (default): let F be the index of the last assistant message on the final
/// channel; every analysis message before F is dropped, everything after F is kept. This is the format document's rule
/// for any number of turns: a finished turn's reasoning is never shown again, but during a running turn (tool call
/// issued, result returned, no final yet) its reasoning stays, because the model continues from it. Commentary,
/// tool calls and tool results are always kept.</item>
/// <item><see cref="HarmonyLibraryCompat"/>: openai-harmony's <c>auto_drop_analysis</c>: only when the last assistant
/// message is final, drop analysis before the FIRST final of the conversation (so from the third turn on, the second
/// turn's analysis survives). For byte-for-byte comparisons with the reference library.</item>
/// <item><see cref="KeepAll"/>: drop nothing (the library with <c>auto_drop_analysis=False</c>; training data).</item>
/// </list>
/// </summary>
public enum AnalysisHistory { DropBeforeLastFinal, HarmonyLibraryCompat, KeepAll }
