namespace GptOssWorkbench.Web.Chat;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;

/// <summary>One user turn on the shown branch: the message, its edited siblings, and the runs that answered it.</summary>
public sealed record ChatTurnView(Message User, IReadOnlyList<Message> Siblings, IReadOnlyList<Run> Runs, Run? ShownRun);

/// <summary>
/// The branch of a conversation's message tree that the chat view shows. Edit-and-resend adds a sibling user
/// message and regenerate adds a sibling run, so at each step there may be choices: the latest one is shown
/// unless the user picked another (<paramref name="chosenUser"/> by parent, <paramref name="chosenRun"/> by user message).
/// </summary>
public static class ChatThread
{
    public static List<ChatTurnView> Build(IReadOnlyList<Message> messages, IReadOnlyList<Run> runs,
        IReadOnlyDictionary<long, long>? chosenUser = null, IReadOnlyDictionary<long, long>? chosenRun = null)
    {
        var users = messages.Where(m => m.Role == MessageRole.User && m.RunId is null).ToList();
        var turns = new List<ChatTurnView>();
        // Parents whose children continue the branch: none at the root, then the user message and the shown run's output.
        var parents = new HashSet<long?> { null };
        long? branchKey = 0;
        while (true)
        {
            var siblings = users.Where(u => parents.Contains(u.ParentMessageId)).OrderBy(u => u.Id).ToList();
            if (siblings.Count == 0)
                break;
            var user = chosenUser is not null && branchKey is { } key && chosenUser.TryGetValue(key, out var pick) && siblings.Any(s => s.Id == pick)
                ? siblings.Single(s => s.Id == pick)
                : siblings[^1];
            var answers = runs.Where(r => r.ReplyToMessageId == user.Id).OrderBy(r => r.Id).ToList();
            var shown = chosenRun is not null && chosenRun.TryGetValue(user.Id, out var runPick) && answers.Any(r => r.Id == runPick)
                ? answers.Single(r => r.Id == runPick)
                : answers.LastOrDefault();
            turns.Add(new ChatTurnView(user, siblings, answers, shown));

            parents = [user.Id];
            if (shown is not null)
                foreach (var output in messages.Where(m => m.RunId == shown.Id))
                    parents.Add(output.Id);
            branchKey = user.Id;
        }
        return turns;
    }

    /// <summary>The key under which the sibling choice after <paramref name="turnIndex"/> is stored (0 for the first turn).</summary>
    public static long BranchKey(IReadOnlyList<ChatTurnView> turns, int turnIndex) => turnIndex == 0 ? 0 : turns[turnIndex - 1].User.Id;
}
