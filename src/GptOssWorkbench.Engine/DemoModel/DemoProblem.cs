namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Harmony;

/// <summary>The arithmetic task families the demo model is trained on.</summary>
public enum DemoTaskFamily { Addition, Subtraction, Multiplication, Comparison }

/// <summary>
/// One generated problem: the conversation the user would send (system message with the effort, user question),
/// the expected answer, and the exact assistant tokens the model is trained to produce after <c>&lt;|start|&gt;assistant</c>.
/// </summary>
public sealed record DemoProblem(
    DemoTaskFamily Family,
    ReasoningEffort Effort,
    long A,
    long B,
    string Question,
    string Answer,
    Conversation Conversation,
    IReadOnlyList<int> PromptTokens,
    IReadOnlyList<int> CompletionTokens,
    int AnalysisTokenCount);
