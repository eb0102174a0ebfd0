namespace GptOssWorkbench.Web.Transcripts;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;

public static class TranscriptMessages
{
    /// <summary>
    /// What the model saw and said: the instructions and the prompt (kept on the run and its manifest, not as
    /// rows) as display-only messages with negative ids, then the run's output messages in order.
    /// </summary>
    public static List<Message> For(Run run)
    {
        var messages = new List<Message>();
        if (!string.IsNullOrWhiteSpace(run.Manifest.SystemInstructions))
            messages.Add(new Message { Id = -3, Role = MessageRole.System, Content = run.Manifest.SystemInstructions });
        if (!string.IsNullOrWhiteSpace(run.Manifest.DeveloperInstructions))
            messages.Add(new Message { Id = -2, Role = MessageRole.Developer, Content = run.Manifest.DeveloperInstructions });
        messages.Add(new Message { Id = -1, Role = MessageRole.User, Content = run.PromptText });
        messages.AddRange(run.Messages.OrderBy(m => m.Order).ThenBy(m => m.Id));
        return messages;
    }

    public static string Answer(Run run) =>
        string.Join("\n\n", run.Messages.Where(m => ChannelStyle.IsAnswer(m.Role, m.Channel)).OrderBy(m => m.Order).Select(m => m.Content));
}
