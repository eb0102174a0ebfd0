namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Updates;

/// <summary>
/// Turns a run's sampled tokens into harmony messages as they arrive: publishes each text delta with its channel,
/// counts tokens per message (and reasoning tokens: those of analysis messages), and can hand out the messages
/// so far as rows to store. One instance per attempt; not thread-safe.
/// </summary>
public sealed class RunOutput(Run run, int replyToOrder, DateTime now, HarmonyTokenizer tokenizer, RunUpdates updates)
{
    private readonly HarmonyStreamParser parser = new(tokenizer);
    private readonly List<int> tokenCounts = [];
    private readonly List<TokenLogprob> pendingLogprobs = [];
    private int tokensInCurrent;
    private MessageStarted? current;

    public int ReasoningTokens { get; private set; }
    public int TokenCount { get; private set; }
    public bool StoppedByCall { get; private set; }
    public IReadOnlyList<string> Warnings => parser.Warnings;

    /// <param name="logprob">The token's logprob when the run records them; content tokens' ones ride on the deltas.</param>
    public void Feed(int token, TokenLogprob? logprob = null)
    {
        tokensInCurrent++;
        TokenCount++;
        // Content = text of a message; headers and the tokens that end a message are not (OpenAI reports answer tokens only).
        if (logprob is not null && parser.InsideMessage && !EndsContent(token)) pendingLogprobs.Add(logprob);
        var events = parser.Feed(token);
        Handle(events);
        StoppedByCall = parser.StoppedBy == StopReason.Call;
    }

    private static bool EndsContent(int token) =>
        token is HarmonyTokens.End or HarmonyTokens.Return or HarmonyTokens.Call or HarmonyTokens.EndOfText or HarmonyTokens.Start;

    /// <summary>End of the stream: closes an unfinished message (kept, marked by a parse warning).</summary>
    public void Finish() => Handle(parser.Finish());

    private void Handle(IReadOnlyList<HarmonyEvent> events)
    {
        // Events are handled after the token is consumed, when the parser may already be past the message, so the
        // channel and index come from the events themselves, not from the parser's current state.
        foreach (var e in events)
        {
            switch (e)
            {
                case MessageStarted started:
                    current = started;
                    break;
                case ContentDelta delta:
                    PublishDelta(delta.Text);
                    break;
                case MessageEnded ended:
                    // Tokens whose bytes never became text (a cut-off character) still belong to this message.
                    if (pendingLogprobs.Count > 0) PublishDelta("");
                    // Reasoning tokens: every token of an analysis message, its header and terminator included.
                    if (ended.Message.Channel == Channels.Analysis) ReasoningTokens += tokensInCurrent;
                    current = null;
                    tokenCounts.Add(tokensInCurrent);
                    tokensInCurrent = 0;
                    break;
            }
        }
    }

    private void PublishDelta(string text)
    {
        IReadOnlyList<TokenLogprob>? logprobs = null;
        if (pendingLogprobs.Count > 0)
        {
            logprobs = pendingLogprobs.ToArray();
            pendingLogprobs.Clear();
        }
        updates.Publish(new RunDelta(run.Id, run.BatchJobId, tokenCounts.Count, current?.Channel, current?.Recipient, text) { Logprobs = logprobs });
    }

    /// <summary>The messages so far (finished ones plus the one being written) as new rows for the run.</summary>
    public IReadOnlyList<Message> Snapshot()
    {
        var harmony = parser.Messages.ToList();
        var counts = tokenCounts.ToList();
        if (parser.InsideMessage)
        {
            harmony.Add(new HarmonyMessage(new Author(parser.CurrentRole ?? Role.Assistant), [new TextContent(parser.CurrentContent)])
            {
                Channel = parser.CurrentChannel, Recipient = parser.CurrentRecipient, ContentType = parser.CurrentContentType,
            });
            counts.Add(tokensInCurrent);
        }
        var rows = new List<Message>(harmony.Count);
        Message? parent = null;
        for (var i = 0; i < harmony.Count; i++)
        {
            var m = harmony[i];
            var row = new Message
            {
                ConversationId = run.ConversationId,
                RunId = run.Id,
                // In a chat the answer hangs under the user message it replies to, message after message.
                ParentMessageId = parent is null && run.ConversationId is not null ? run.ReplyToMessageId : null,
                Parent = parent,
                Role = m.Role switch { Role.Tool => MessageRole.Tool, Role.User => MessageRole.User, Role.System => MessageRole.System, Role.Developer => MessageRole.Developer, _ => MessageRole.Assistant },
                Channel = m.Channel,
                Recipient = m.Recipient,
                ContentType = m.ContentType,
                Content = m.Text,
                TokenCount = i < counts.Count ? counts[i] : 0,
                Order = replyToOrder + 1 + i,
                CreatedAt = now,
            };
            rows.Add(row);
            if (run.ConversationId is not null) parent = row;
        }
        return rows;
    }
}
