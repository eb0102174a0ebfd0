namespace GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Renders conversations to o200k_harmony token ids. Tokens are built piece by piece (spec 7.9): structural tokens by
/// id, and every text piece (role, recipient, channel, content) encoded as plain text, so special-token strings inside
/// user or tool text can never become special ids.
/// </summary>
public sealed class HarmonyRenderer(HarmonyTokenizer tokenizer)
{
    public HarmonyRenderer() : this(HarmonyTokenizer.Shared) { }

    public HarmonyTokenizer Tokenizer => tokenizer;

    /// <summary>The prompt for the next turn: the history, then <c>&lt;|start|&gt;assistant</c> for the model to continue.</summary>
    public List<int> RenderForCompletion(Conversation conversation, AnalysisHistory history = AnalysisHistory.DropBeforeLastFinal,
        Role nextRole = Role.Assistant)
    {
        var tokens = Render(conversation, history);
        tokens.Add(HarmonyTokens.Start);
        tokens.AddRange(tokenizer.EncodeOrdinary(RoleName(nextRole)));
        return tokens;
    }

    /// <summary>The conversation's messages, with earlier analysis dropped according to <paramref name="history"/>.</summary>
    public List<int> Render(Conversation conversation, AnalysisHistory history = AnalysisHistory.DropBeforeLastFinal)
    {
        var hasFunctionTools = conversation.Messages.Any(m => m.Content.OfType<DeveloperContent>()
            .Any(d => d.Tools?.Any(ns => ns.Name == "functions" && ns.Tools.Count > 0) == true));
        var tokens = new List<int>();
        foreach (var message in KeptMessages(conversation.Messages, history))
        {
            RenderMessage(message, tokens, hasFunctionTools);
        }
        return tokens;
    }

    /// <summary>The messages that stay in the prompt under the given rule (see <see cref="AnalysisHistory"/>).</summary>
    public static IEnumerable<HarmonyMessage> KeptMessages(IReadOnlyList<HarmonyMessage> messages, AnalysisHistory history)
    {
        var dropBefore = history switch
        {
            AnalysisHistory.DropBeforeLastFinal => LastIndex(messages, m => m.Role == Role.Assistant && m.Channel == Channels.Final),
            AnalysisHistory.HarmonyLibraryCompat =>
                messages.LastOrDefault(m => m.Role == Role.Assistant) is { Channel: Channels.Final }
                    ? FirstIndex(messages, m => m.Channel == Channels.Final)
                    : -1,
            _ => -1,
        };
        return messages.Where((m, i) => !(i < dropBefore && m.Channel == Channels.Analysis));
    }

    /// <summary>One message: <c>&lt;|start|&gt;</c> header <c>&lt;|message|&gt;</c> content terminator.</summary>
    public void RenderMessage(HarmonyMessage message, List<int> into, bool conversationHasFunctionTools = false)
    {
        into.Add(HarmonyTokens.Start);
        if (message.Role == Role.Tool)
        {
            // A tool's message is authored by the tool's name instead of a role.
            if (string.IsNullOrEmpty(message.Author.Name))
            {
                throw new ArgumentException("a tool message needs the tool's name as author name (e.g. functions.get_weather)");
            }
            Text(message.Author.Name, into);
        }
        else
        {
            Text(RoleName(message.Role), into);
            if (message.Author.Name is { } name) Text(":" + name, into);
        }

        if (message.Recipient is { } recipient && recipient != "all") Text(" to=" + recipient, into);
        if (message.Channel is { } channel)
        {
            into.Add(HarmonyTokens.Channel);
            Text(channel, into);
        }
        if (message.ContentType is { } contentType)
        {
            if (contentType.StartsWith("<|constrain|>", StringComparison.Ordinal))
            {
                // The constrain marker must be the special token, with a plain space (220) before it.
                Text(" ", into);
                into.Add(HarmonyTokens.Constrain);
                Text(contentType["<|constrain|>".Length..], into);
            }
            else
            {
                Text(" " + contentType, into);
            }
        }

        into.Add(HarmonyTokens.Message);
        foreach (var content in message.Content)
        {
            switch (content)
            {
                case TextContent text:
                    Text(text.Text, into);
                    break;
                case SystemContent system when message.Role == Role.System:
                    Text(SystemText(system, conversationHasFunctionTools), into);
                    break;
                case DeveloperContent developer when message.Role == Role.Developer:
                    Text(DeveloperText(developer), into);
                    break;
                default:
                    throw new ArgumentException($"{content.GetType().Name} may only appear in a {(content is SystemContent ? "system" : "developer")} message, found in a {RoleName(message.Role)} message");
            }
        }

        // A finished answer is stored with <|end|>; only an assistant tool call ends with <|call|>.
        into.Add(message.Role == Role.Assistant && message.Recipient is not null ? HarmonyTokens.Call : HarmonyTokens.End);
    }

    public static string SystemText(SystemContent system, bool conversationHasFunctionTools)
    {
        var sections = new List<string>();
        var top = new List<string>();
        if (system.ModelIdentity is { } identity) top.Add(identity);
        if (system.KnowledgeCutoff is { } cutoff) top.Add($"Knowledge cutoff: {cutoff}");
        if (system.ConversationStartDate is { } date) top.Add($"Current date: {date}");
        if (top.Count > 0) sections.Add(string.Join("\n", top));
        if (system.ReasoningEffort is { } effort) sections.Add($"Reasoning: {EffortName(effort)}");
        if (system.Tools is { Count: > 0 } tools) sections.Add(ToolsPromptWriter.ToolsSection(tools));
        if (system.ChannelConfig is { ValidChannels.Count: > 0 } channels)
        {
            var line = $"# Valid channels: {string.Join(", ", channels.ValidChannels)}.";
            if (channels.ChannelRequired) line += " Channel must be included for every message.";
            if (conversationHasFunctionTools) line += "\nCalls to these tools must go to the commentary channel: 'functions'.";
            sections.Add(line);
        }
        return string.Join("\n\n", sections);
    }

    public static string DeveloperText(DeveloperContent developer)
    {
        var sections = new List<string>();
        if (developer.Instructions is { } instructions)
        {
            sections.Add("# Instructions");
            sections.Add(instructions);
        }
        if (developer.Tools is { Count: > 0 } tools) sections.Add(ToolsPromptWriter.ToolsSection(tools));
        return string.Join("\n\n", sections);
    }

    public static string RoleName(Role role) => role switch
    {
        Role.System => "system",
        Role.Developer => "developer",
        Role.User => "user",
        Role.Assistant => "assistant",
        Role.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static string EffortName(ReasoningEffort effort) => effort switch
    {
        ReasoningEffort.Low => "low",
        ReasoningEffort.Medium => "medium",
        ReasoningEffort.High => "high",
        _ => throw new ArgumentOutOfRangeException(nameof(effort)),
    };

    private void Text(string text, List<int> into) => into.AddRange(tokenizer.EncodeOrdinary(text));

    private static int LastIndex(IReadOnlyList<HarmonyMessage> messages, Func<HarmonyMessage, bool> match)
    {
        for (var i = messages.Count - 1; i >= 0; i--) if (match(messages[i])) return i;
        return -1;
    }

    private static int FirstIndex(IReadOnlyList<HarmonyMessage> messages, Func<HarmonyMessage, bool> match)
    {
        for (var i = 0; i < messages.Count; i++) if (match(messages[i])) return i;
        return -1;
    }
}
