namespace GptOssWorkbench.Data.Runs;

using GptOssWorkbench.Data.Conversations;

/// <summary>
/// The one rule for "the final answer of a run", shared by the Review list, the batch Accuracy table and the export so
/// that they can never grade the same run differently: the run's last assistant message on the final channel, last by
/// Order and, between messages with the same Order, by Id (the later write). A model normally writes one final
/// message, but a run can end up with several (a retry that appended, a model that closed and reopened the channel).
/// </summary>
public static class FinalAnswer
{
    /// <summary>
    /// At most one message per run: its final answer. Written as a set ("no later final message of the same run
    /// exists") instead of ORDER BY … LIMIT 1, so that any EF projection on SQLite or PostgreSQL can use it by
    /// correlating on the run id:
    /// <code>var answers = FinalAnswer.Messages(db.Messages);
    /// … answers.Where(m => m.RunId == r.Id).Select(m => m.Content).FirstOrDefault()</code>
    /// (EF inlines the captured query as a subquery; the (RunId, Order) index serves both lookups.)
    /// </summary>
    public static IQueryable<Message> Messages(IQueryable<Message> messages) =>
        messages.Where(m => m.RunId != null && m.Role == MessageRole.Assistant && m.Channel == MessageChannels.Final
            && !messages.Any(later => later.RunId == m.RunId && later.Role == MessageRole.Assistant && later.Channel == MessageChannels.Final
                && (later.Order > m.Order || (later.Order == m.Order && later.Id > m.Id))));
}
