namespace GptOssWorkbench.Web.Chat;

using System.Text;
using GptOssWorkbench.Pipeline.Updates;

/// <summary>The output of a run as it streams in, message by message (index and channel from the worker's parser).</summary>
public sealed class LiveRun(long runId)
{
    private readonly SortedDictionary<int, LiveMessage> _messages = [];

    public long RunId { get; } = runId;
    public bool Started { get; private set; }
    public bool Finished { get; private set; }

    public IEnumerable<LiveMessage> Messages => _messages.Values;

    /// <summary>Applies an update; returns false when it was about another run.</summary>
    public bool Apply(RunUpdate update)
    {
        if (update.RunId != RunId)
            return false;
        switch (update)
        {
            case RunStarted:
                // A new attempt: what an earlier attempt streamed is gone.
                _messages.Clear();
                Started = true;
                break;
            case RunDelta delta:
                Started = true;
                if (!_messages.TryGetValue(delta.MessageIndex, out var message))
                    _messages[delta.MessageIndex] = message = new LiveMessage(delta.Channel, delta.Recipient);
                message.Text.Append(delta.Text);
                break;
            case RunFinished:
                Finished = true;
                break;
        }
        return true;
    }
}

public sealed class LiveMessage(string? channel, string? recipient)
{
    public string? Channel { get; } = channel;
    public string? Recipient { get; } = recipient;
    public StringBuilder Text { get; } = new();
}
