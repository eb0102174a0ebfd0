namespace GptOssWorkbench.Engine.Serving;

using System.Threading.Channels;

/// <summary>
/// What <see cref="InferenceEngine.Submit"/> hands back: tokens as an async stream while they are made, and the
/// final result. Reading the tokens is optional; <see cref="Completion"/> always completes (never faults: errors
/// and cancellation are reported as a <see cref="GenerationFinish"/>).
/// </summary>
public sealed class GenerationStream
{
    private readonly Channel<TokenEvent> tokens = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<GenerationResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IAsyncEnumerable<TokenEvent> Tokens => tokens.Reader.ReadAllAsync();

    public Task<GenerationResult> Completion => completion.Task;

    internal void Publish(TokenEvent token) => tokens.Writer.TryWrite(token);

    internal void Complete(GenerationResult result)
    {
        tokens.Writer.TryComplete();
        completion.TrySetResult(result);
    }
}
