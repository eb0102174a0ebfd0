namespace GptOssWorkbench.Pipeline.Remote;

using System.Threading.Channels;
using GptOssWorkbench.Engine.Serving;

/// <summary>
/// What <see cref="RemoteEngineClient.Submit"/> hands back, shaped like the engine's <see cref="GenerationStream"/>:
/// harmony token ids as they arrive (so the job feeds them through the same <c>RunOutput</c> as local tokens) and
/// the outcome of this one request. <see cref="Completion"/> never faults.
/// </summary>
public sealed class RemoteGeneration
{
    private readonly Channel<TokenEvent> tokens = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<RemoteResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IAsyncEnumerable<TokenEvent> Tokens => tokens.Reader.ReadAllAsync();

    public Task<RemoteResult> Completion => completion.Task;

    /// <summary>Tokens handed out so far: a failure after the first one means the run's output must start over.</summary>
    public int Published { get; private set; }

    internal void Publish(TokenEvent token)
    {
        Published++;
        tokens.Writer.TryWrite(token);
    }

    internal void Complete(RemoteResult result)
    {
        tokens.Writer.TryComplete();
        completion.TrySetResult(result);
    }
}

/// <summary>The outcome of one request to a remote server.</summary>
/// <param name="Retryable">429, 5xx, a lost or truncated connection, a stalled server: worth another attempt.</param>
public sealed record RemoteResult(GenerationFinish Finish, string? Error = null, bool Retryable = false)
{
    public int Tokens { get; init; }
    public int? PromptTokens { get; init; }
    public int? CompletionTokens { get; init; }
    public TimeSpan? TimeToFirstToken { get; init; }
    public TimeSpan Total { get; init; }

    /// <summary>The server's own finish reason ("stop", "length", "tool_calls"…).</summary>
    public string? ServerFinishReason { get; init; }

    /// <summary>The server's Retry-After, when it sent one with a 429/503.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public double? TokensPerSecond => Tokens <= 1 || TimeToFirstToken is null || Total <= TimeToFirstToken
        ? null
        : (Tokens - 1) / (Total - TimeToFirstToken.Value).TotalSeconds;
}

/// <summary>A failure with a message meant for the run's error (never contains the API key).</summary>
public sealed class RemoteEngineException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;

    public TimeSpan? RetryAfter { get; init; }
}
