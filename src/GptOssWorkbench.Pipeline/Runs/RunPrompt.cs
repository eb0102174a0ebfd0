namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using Microsoft.EntityFrameworkCore;
using Harmony = GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Builds a run's harmony conversation from the database: the system message (identity + reasoning effort), the
/// developer instructions, then the thread (a chat's messages from the root down to the message the run answers,
/// or a batch item's prompt; a replay or branch uses its ancestor's). Earlier turns' analysis is dropped by the renderer's DropBeforeLastFinal rule.
/// </summary>
public static class RunPrompt
{
    public static async Task<Harmony.Conversation> BuildAsync(WorkbenchDbContext db, Run run, CancellationToken cancellationToken)
    {
        var messages = new List<HarmonyMessage> { HarmonyMessage.System(SystemFor(run.Manifest)) };
        var tools = RunTools.Parse(run.Manifest.ToolsJson);
        if (!string.IsNullOrWhiteSpace(run.Manifest.DeveloperInstructions) || tools.Count > 0)
        {
            // Function tools live in the developer message (harmony's "functions" namespace).
            messages.Add(HarmonyMessage.Developer(new DeveloperContent
            {
                Instructions = string.IsNullOrWhiteSpace(run.Manifest.DeveloperInstructions) ? null : run.Manifest.DeveloperInstructions,
                Tools = tools.Count > 0 ? [new ToolNamespace("functions", null, tools)] : null,
            }));
        }

        // A replay or branch of a batch run cannot share the item (one run per item), so it reads its ancestor's item.
        var batchItemId = run.BatchItemId ?? await InheritedBatchItemAsync(db, run.ReplayOfRunId ?? run.BranchOfRunId, cancellationToken);
        if (batchItemId is { } itemId)
        {
            var item = await db.BatchItems.AsNoTracking().FirstAsync(i => i.Id == itemId, cancellationToken);
            messages.Add(HarmonyMessage.User(item.Prompt));
        }
        else if (run.ReplyToMessageId is { } messageId)
        {
            messages.AddRange((await ThreadAsync(db, messageId, cancellationToken)).Select(ToHarmony));
        }
        else
        {
            messages.Add(HarmonyMessage.User(run.PromptText));
        }
        return new Harmony.Conversation(messages);
    }

    /// <summary>
    /// The prompt token ids the engine gets: a raw /v1/completions prompt (or a replay of one) encoded as it is,
    /// anything else rendered from <see cref="BuildAsync"/>'s conversation.
    /// </summary>
    public static async Task<List<int>> TokensAsync(WorkbenchDbContext db, Run run, CancellationToken cancellationToken) =>
        await IsRawAsync(db, run, cancellationToken)
            ? [.. HarmonyTokenizer.Shared.EncodeWithSpecials(run.PromptText)]
            : new HarmonyRenderer().RenderForCompletion(await BuildAsync(db, run, cancellationToken));

    /// <summary>Whether the run's prompt is raw harmony text (it came from /v1/completions, or replays or branches a run that did).</summary>
    public static async Task<bool> IsRawAsync(WorkbenchDbContext db, Run run, CancellationToken cancellationToken) =>
        run.Source == RunSource.ApiCompletion
        || ((run.ReplayOfRunId ?? run.BranchOfRunId) is { } originalId && run.ReplyToMessageId is null && run.BatchItemId is null
            && await db.Runs.AnyAsync(r => r.Id == originalId && r.Source == RunSource.ApiCompletion, cancellationToken));

    /// <summary>The batch item of the nearest ancestor (through replay and branch links) that has one.</summary>
    private static async Task<long?> InheritedBatchItemAsync(WorkbenchDbContext db, long? ancestorId, CancellationToken cancellationToken)
    {
        // Bounded: links only point at older runs, but a hand-edited database must not make this loop forever.
        for (var depth = 0; ancestorId is { } id && depth < 64; depth++)
        {
            var links = await db.Runs.AsNoTracking().Where(r => r.Id == id)
                .Select(r => new { r.BatchItemId, r.ReplayOfRunId, r.BranchOfRunId }).FirstOrDefaultAsync(cancellationToken);
            if (links is null) return null;
            if (links.BatchItemId is not null) return links.BatchItemId;
            ancestorId = links.ReplayOfRunId ?? links.BranchOfRunId;
        }
        return null;
    }

    public static SystemContent SystemFor(RunManifest manifest) => new()
    {
        ModelIdentity = string.IsNullOrWhiteSpace(manifest.SystemInstructions) ? SystemContent.DefaultIdentity : manifest.SystemInstructions,
        ReasoningEffort = manifest.ReasoningEffort switch
        {
            Data.Runs.ReasoningEffort.Low => Harmony.ReasoningEffort.Low,
            Data.Runs.ReasoningEffort.High => Harmony.ReasoningEffort.High,
            _ => Harmony.ReasoningEffort.Medium,
        },
    };

    /// <summary>The messages from the root of the tree down to <paramref name="lastMessageId"/>, in order.</summary>
    private static async Task<List<Message>> ThreadAsync(WorkbenchDbContext db, long lastMessageId, CancellationToken cancellationToken)
    {
        var last = await db.Messages.AsNoTracking().FirstAsync(m => m.Id == lastMessageId, cancellationToken);
        // One query for the whole conversation, then walk the parent links in memory (threads are short).
        var all = last.ConversationId is { } conversationId
            ? await db.Messages.AsNoTracking().Where(m => m.ConversationId == conversationId).ToDictionaryAsync(m => m.Id, cancellationToken)
            : new Dictionary<long, Message> { [last.Id] = last };
        var thread = new List<Message>();
        for (Message? m = last; m is not null; m = m.ParentMessageId is { } p ? all.GetValueOrDefault(p) : null)
            thread.Add(m);
        thread.Reverse();
        return thread;
    }

    private static HarmonyMessage ToHarmony(Message message) => message.Role switch
    {
        MessageRole.User => HarmonyMessage.User(message.Content),
        MessageRole.Assistant => new HarmonyMessage(new Author(Role.Assistant), [new TextContent(message.Content)])
        {
            Channel = message.Channel ?? Channels.Final, Recipient = message.Recipient, ContentType = message.ContentType,
        },
        MessageRole.Tool => HarmonyMessage.ToolResult(message.Recipient ?? "tool", message.Content, message.Channel ?? Channels.Commentary),
        MessageRole.Developer => HarmonyMessage.Developer(new DeveloperContent { Instructions = message.Content }),
        _ => HarmonyMessage.FromText(Role.System, message.Content),
    };
}
