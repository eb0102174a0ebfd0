namespace GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Produces sampled token ids for a prompt until one of <paramref name="stopIds"/> is produced (that id included) or a
/// length limit is reached. The seam between the chat loop and the engine: the CLI plugs in the engine's
/// TextGenerator, tests a scripted sequence.
/// </summary>
public delegate IEnumerable<int> TokenStreamer(IReadOnlyList<int> prompt, IReadOnlySet<int> stopIds, CancellationToken cancellationToken);

/// <summary>What one assistant turn produced.</summary>
public sealed record AssistantTurn(IReadOnlyList<HarmonyMessage> Messages, IReadOnlyList<string> Warnings, StopReason? StoppedBy,
    int PromptTokens, int GeneratedTokens)
{
    /// <summary>The tool call the turn ended with, if any (the app runs it, adds the result, and generates again).</summary>
    public HarmonyMessage? ToolCall => StoppedBy == StopReason.Call ? Messages.LastOrDefault(m => m.Recipient is not null) : null;

    public string? FinalAnswer => Messages.LastOrDefault(m => m.Channel == Channels.Final)?.Text;
}

/// <summary>
/// A multi-turn harmony chat: keeps the full history (every message, for storage and display) and renders each
/// prompt with the <see cref="AnalysisHistory"/> rule, so finished turns' reasoning is not shown to the model again.
/// </summary>
public sealed class HarmonyChat(TokenStreamer generate, Conversation start, HarmonyRenderer? renderer = null,
    AnalysisHistory history = AnalysisHistory.DropBeforeLastFinal)
{
    private readonly HarmonyRenderer _renderer = renderer ?? new HarmonyRenderer();

    public Conversation History { get; private set; } = start;

    /// <summary>A system message (and a developer message when instructions are given) for a new chat.</summary>
    public static Conversation NewConversation(ReasoningEffort effort, string? modelIdentity = null, string? developerInstructions = null,
        DateOnly? today = null)
    {
        var system = new SystemContent
        {
            ReasoningEffort = effort,
            ModelIdentity = modelIdentity ?? SystemContent.DefaultIdentity,
            ConversationStartDate = (today ?? DateOnly.FromDateTime(DateTime.UtcNow)).ToString("yyyy-MM-dd"),
        };
        var messages = new List<HarmonyMessage> { HarmonyMessage.System(system) };
        if (developerInstructions is not null) messages.Add(HarmonyMessage.Developer(new DeveloperContent { Instructions = developerInstructions }));
        return new Conversation(messages);
    }

    /// <summary>Adds the user's message and lets the assistant answer.</summary>
    public AssistantTurn Ask(string userText, Action<HarmonyEvent>? onEvent = null, CancellationToken cancellationToken = default)
    {
        History = History.Append(HarmonyMessage.User(userText));
        return Continue(onEvent, cancellationToken);
    }

    /// <summary>Adds a tool's answer to the last tool call and lets the assistant continue its turn.</summary>
    public AssistantTurn AnswerToolCall(string toolName, string output, Action<HarmonyEvent>? onEvent = null,
        CancellationToken cancellationToken = default)
    {
        History = History.Append(HarmonyMessage.ToolResult(toolName, output));
        return Continue(onEvent, cancellationToken);
    }

    private AssistantTurn Continue(Action<HarmonyEvent>? onEvent, CancellationToken cancellationToken)
    {
        var prompt = _renderer.RenderForCompletion(History, history);
        var parser = new HarmonyStreamParser(_renderer.Tokenizer, Role.Assistant);
        var generated = 0;
        foreach (var token in generate(prompt, HarmonyTokens.SamplerStopIds, cancellationToken))
        {
            generated++;
            foreach (var e in parser.Feed(token)) onEvent?.Invoke(e);
            if (HarmonyTokens.IsStop(token)) break;
        }
        var stoppedBy = parser.StoppedBy;
        foreach (var e in parser.Finish()) onEvent?.Invoke(e);
        History = History.Append(parser.Messages);
        return new AssistantTurn(parser.Messages, parser.Warnings, stoppedBy, prompt.Count, generated);
    }
}
