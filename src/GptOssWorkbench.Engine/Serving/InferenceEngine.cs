namespace GptOssWorkbench.Engine.Serving;

using System.Collections.Concurrent;
using System.Diagnostics;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;

/// <summary>
/// The one engine of a process (per device): callers submit requests from any thread and get a
/// <see cref="GenerationStream"/>; a single dedicated thread owns the model and runs every step.
/// This first version serves requests one at a time in submission order; the continuous-batching scheduler
/// (issue 6) replaces the loop behind the same API.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly GptOssModel model;
    private readonly TokenDecoder? decoder;
    private readonly BlockingCollection<Pending> queue = new();
    private readonly Thread loop;
    private long prefillTokens, decodeTokens, completed;
    private int running;

    private sealed record Pending(GenerationRequest Request, GenerationStream Stream, CancellationToken Cancellation, Stopwatch Clock);

    public InferenceEngine(GptOssModel model, TokenDecoder? decoder = null)
    {
        this.model = model;
        this.decoder = decoder;
        loop = new Thread(RunLoop) { IsBackground = true, Name = "gptoss-engine" };
        loop.Start();
    }

    public ModelConfig Config => model.Config;

    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var stream = new GenerationStream();
        var rejection = Validate(request);
        if (rejection is not null)
        {
            stream.Complete(new GenerationResult { Tokens = [], Finish = GenerationFinish.Error, PromptTokens = request.PromptTokens.Count, Error = rejection });
            return stream;
        }
        queue.Add(new Pending(request, stream, cancellationToken, Stopwatch.StartNew()));
        return stream;
    }

    public EngineMetrics Snapshot() => new()
    {
        Waiting = queue.Count,
        Running = Volatile.Read(ref running),
        PrefillTokens = Interlocked.Read(ref prefillTokens),
        DecodeTokens = Interlocked.Read(ref decodeTokens),
        CompletedRequests = Interlocked.Read(ref completed),
    };

    private string? Validate(GenerationRequest request)
    {
        if (request.PromptTokens.Count == 0) return "The prompt is empty: gpt-oss has no BOS token, so at least one token is needed.";
        if (request.PromptTokens.Count >= model.Config.MaxPositionEmbeddings)
            return $"The prompt has {request.PromptTokens.Count} tokens; the model's context is {model.Config.MaxPositionEmbeddings}.";
        foreach (var token in request.PromptTokens)
        {
            if (token < 0 || token >= model.Config.VocabSize) return $"Token id {token} is outside the vocabulary (0..{model.Config.VocabSize - 1}).";
        }
        try
        {
            request.Sampling.Validate();
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
        return null;
    }

    private void RunLoop()
    {
        foreach (var pending in queue.GetConsumingEnumerable())
        {
            Interlocked.Increment(ref running);
            try
            {
                pending.Stream.Complete(Serve(pending));
            }
            finally
            {
                Interlocked.Decrement(ref running);
                Interlocked.Increment(ref completed);
            }
        }
    }

    private GenerationResult Serve(Pending pending)
    {
        var request = pending.Request;
        var queueTime = pending.Clock.Elapsed;
        var tokens = new List<int>();
        TimeSpan? firstToken = null;
        string? adjustment = null;
        var sampling = request.Sampling;
        int room = model.Config.MaxPositionEmbeddings - request.PromptTokens.Count;
        if (sampling.MaxTokens > room)
        {
            adjustment = $"max_tokens clamped from {sampling.MaxTokens} to {room} (the model's context is {model.Config.MaxPositionEmbeddings})";
            sampling = sampling with { MaxTokens = room };
        }
        if (request.IgnoreStopTokens) sampling = sampling with { StopTokenIds = [], StopStrings = [] };

        GenerationResult Result(GenerationFinish finish, string? error = null, string? stopString = null) => new()
        {
            Tokens = tokens, Finish = finish, PromptTokens = request.PromptTokens.Count, Error = error, StopString = stopString,
            Adjustment = adjustment, QueueTime = queueTime, TimeToFirstToken = firstToken, Total = pending.Clock.Elapsed,
        };

        if (pending.Cancellation.IsCancellationRequested) return Result(GenerationFinish.Cancelled);
        try
        {
            var generator = new TextGenerator(model);
            foreach (var token in generator.Generate(request.PromptTokens, sampling, decoder, pending.Cancellation))
            {
                if (tokens.Count == 0)
                {
                    firstToken = pending.Clock.Elapsed;
                    Interlocked.Add(ref prefillTokens, request.PromptTokens.Count);
                }
                else
                {
                    Interlocked.Increment(ref decodeTokens);
                }
                tokens.Add(token.Id);
                pending.Stream.Publish(new TokenEvent(token.Id, token.Logprob, token.TopLogprobs, pending.Clock.Elapsed));
                if (token.Finish is { } finish)
                {
                    return Result(finish == FinishReason.Stop ? GenerationFinish.Stop : GenerationFinish.Length, stopString: token.StopString);
                }
            }
            return Result(GenerationFinish.Length);
        }
        catch (OperationCanceledException) when (pending.Cancellation.IsCancellationRequested)
        {
            return Result(GenerationFinish.Cancelled);
        }
        catch (Exception e)
        {
            return Result(GenerationFinish.Error, e.Message);
        }
    }

    public void Dispose()
    {
        queue.CompleteAdding();
        loop.Join();
        queue.Dispose();
    }
}
