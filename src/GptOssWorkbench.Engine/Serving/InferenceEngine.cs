namespace GptOssWorkbench.Engine.Serving;

using System.Collections.Concurrent;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;

/// <summary>
/// The one engine of a process (per device): callers submit requests from any thread and get a
/// <see cref="GenerationStream"/>; a single dedicated thread owns the model and runs every step. Continuous
/// batching: each step runs ONE forward pass over the next token of every running sequence plus prompt chunks of
/// newly admitted ones (<see cref="BatchScheduler"/>), over a paged KV cache allocated once
/// (<see cref="PagedKvCache"/>, <see cref="BlockManager"/>). Requests join and leave between steps.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly GptOssModel model;
    private readonly TokenDecoder? decoder;
    private readonly ServingOptions options;
    private readonly PagedKvCache cache;
    private readonly BlockManager blocks;
    private readonly BatchScheduler scheduler;
    private readonly ConcurrentQueue<Sequence> incoming = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly EngineCounters counters = new();
    private readonly Thread loop;
    private volatile bool stopping;

    public InferenceEngine(GptOssModel model, TokenDecoder? decoder = null, ServingOptions? options = null)
    {
        this.model = model;
        this.decoder = decoder;
        this.options = options ?? new ServingOptions();
        this.options.Validate();
        cache = model.CreatePagedCache(this.options.KvCacheBytes, this.options.BlockSize);
        blocks = new BlockManager(cache.Blocks, cache.BlockSize, model.Config.SlidingWindow);
        scheduler = new BatchScheduler(blocks, this.options.MaxTokensPerStep, this.options.MaxRunning);
        loop = new Thread(RunLoop) { IsBackground = true, Name = "gptoss-engine" };
        loop.Start();
    }

    public ModelConfig Config => model.Config;

    public ServingOptions Options => options;

    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var stream = new GenerationStream();
        var (sampling, adjustment, rejection) = Admit(request);
        if (rejection is not null)
        {
            stream.Complete(new GenerationResult { Tokens = [], Finish = GenerationFinish.Error, PromptTokens = request.PromptTokens.Count, Error = rejection });
            return stream;
        }
        incoming.Enqueue(new Sequence(request, sampling!, stream, cancellationToken) { Adjustment = adjustment });
        counters.Submitted();
        wake.Release();
        return stream;
    }

    public EngineMetrics Snapshot() => counters.Snapshot(scheduler.Waiting + incoming.Count, scheduler.Running, blocks, scheduler.Preemptions);

    /// <summary>Checks a request and fits it to the context and the KV budget: (effective sampling, adjustment, or a rejection).</summary>
    private (SamplingOptions? Sampling, string? Adjustment, string? Rejection) Admit(GenerationRequest request)
    {
        var config = model.Config;
        int promptLength = request.PromptTokens.Count;
        if (promptLength == 0) return (null, null, "The prompt is empty: gpt-oss has no BOS token, so at least one token is needed.");
        if (promptLength >= config.MaxPositionEmbeddings)
            return (null, null, $"The prompt has {promptLength} tokens; the model's context is {config.MaxPositionEmbeddings}.");
        foreach (var token in request.PromptTokens)
        {
            if (token < 0 || token >= config.VocabSize) return (null, null, $"Token id {token} is outside the vocabulary (0..{config.VocabSize - 1}).");
        }
        try
        {
            request.Sampling.Validate();
        }
        catch (ArgumentException e)
        {
            return (null, null, e.Message);
        }
        if (request.Sampling.StopStrings.Count > 0 && decoder is null) return (null, null, "Stop strings need an engine created with a token decoder.");

        int chunk = options.MaxTokensPerStep;
        if (blocks.BlocksForLength(promptLength + 1, chunk) > blocks.Total)
        {
            return (null, null, $"The prompt has {promptLength} tokens; the KV cache budget ({options.KvCacheBytes >> 20} MiB, {blocks.Total} blocks of {blocks.BlockSize} tokens) holds fewer for one sequence.");
        }
        var sampling = request.Sampling;
        string? adjustment = null;
        int room = config.MaxPositionEmbeddings - promptLength;
        if (sampling.MaxTokens > room)
        {
            adjustment = $"max_tokens clamped from {sampling.MaxTokens} to {room} (the model's context is {config.MaxPositionEmbeddings})";
            sampling = sampling with { MaxTokens = room };
        }
        // One sequence alone must always fit, or it would preempt itself forever.
        int fits = sampling.MaxTokens;
        while (fits > 0 && blocks.BlocksForLength(promptLength + fits, chunk) > blocks.Total) fits = Math.Max(0, Math.Min(fits - 1, fits - (blocks.BlocksForLength(promptLength + fits, chunk) - blocks.Total) * blocks.BlockSize));
        if (fits < sampling.MaxTokens)
        {
            adjustment = $"max_tokens clamped from {request.Sampling.MaxTokens} to {fits} (the KV cache budget holds {promptLength + fits} tokens for one sequence)";
            sampling = sampling with { MaxTokens = fits };
        }
        if (request.IgnoreStopTokens) sampling = sampling with { StopTokenIds = [], StopStrings = [] };
        return (sampling, adjustment, null);
    }

    private void RunLoop()
    {
        while (!stopping)
        {
            while (incoming.TryDequeue(out var sequence))
            {
                if (sequence.Sampling.MaxTokens == 0) Finish(sequence, GenerationFinish.Length, admitted: false);
                else scheduler.Add(sequence);
            }
            foreach (var sequence in scheduler.All.Where(s => s.Cancellation.IsCancellationRequested).ToList()) Finish(sequence, GenerationFinish.Cancelled);

            var plan = scheduler.Schedule();
            if (plan.Count == 0)
            {
                wake.Wait(TimeSpan.FromMilliseconds(50));
                continue;
            }
            Step(plan);
        }
        foreach (var sequence in scheduler.All.ToList()) Finish(sequence, GenerationFinish.Cancelled);
        while (incoming.TryDequeue(out var sequence)) Finish(sequence, GenerationFinish.Cancelled, admitted: false);
    }

    private void Step(List<(Sequence Sequence, int Tokens)> plan)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var (sequence, _) in plan) sequence.QueueTime ??= sequence.Clock.Elapsed;
        var steps = plan.Select(p => new PagedStep(
            Enumerable.Range(p.Sequence.Computed, p.Tokens).Select(p.Sequence.TokenAt).ToArray(),
            p.Sequence.Computed, p.Sequence.FullBlocks, p.Sequence.SlidingBlocks)).ToList();
        TorchSharp.torch.Tensor[] logits;
        try
        {
            logits = model.Forward(cache, steps);
        }
        catch (Exception e)
        {
            foreach (var (sequence, _) in plan) Finish(sequence, GenerationFinish.Error, error: e.Message);
            return;
        }
        int prefill = 0, decode = 0;
        var sampled = new bool[plan.Count];
        for (int i = 0; i < plan.Count; i++)
        {
            var (sequence, count) = plan[i];
            if (sequence.Computed < sequence.Prompt.Count) prefill += Math.Min(count, sequence.Prompt.Count - sequence.Computed);
            sequence.Computed += count;
            blocks.AfterStep(sequence);
            sampled[i] = sequence.Remaining == 0; // a prompt chunk makes no token yet
            if (sampled[i] && sequence.Output.Count > 0 && sequence.Computed == sequence.Length && count == 1) decode++;
        }
        var forward = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        // The rows are sampled in parallel: each sequence has its own sampler (and seeded Random), each thread its
        // own buffers, so a seeded sequence draws the same tokens whatever else shares the step. Nothing here
        // touches the scheduler or the streams; the tokens are applied in order afterwards, on this thread.
        var samplingStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var tokens = new SampledToken?[plan.Count];
        var errors = new string?[plan.Count];
        try
        {
            Parallel.For(0, plan.Count, SamplingParallelism, i =>
            {
                if (!sampled[i]) return;
                try
                {
                    tokens[i] = SampleRow(plan[i].Sequence, logits[i]);
                }
                catch (Exception e)
                {
                    errors[i] = e.Message;
                }
            });
        }
        finally
        {
            foreach (var row in logits) row.Dispose();
        }
        // Counted before the tokens are published, which may complete requests: whoever awaits a completion then sees its step counted.
        counters.Step(prefill, decode, forward, System.Diagnostics.Stopwatch.GetElapsedTime(samplingStarted));
        for (int i = 0; i < plan.Count; i++)
        {
            if (errors[i] is { } error) Finish(plan[i].Sequence, GenerationFinish.Error, error: error);
            else if (tokens[i] is { } token) Apply(plan[i].Sequence, token);
        }
    }

    private static readonly ParallelOptions SamplingParallelism = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    private static SampledToken SampleRow(Sequence sequence, TorchSharp.torch.Tensor row)
    {
        // The sampler reads the row where libtorch wrote it: no managed copy of the 201,088 logits per token.
        var readable = LogitsRow.Readable(row);
        try
        {
            return sequence.Sampler.Sample(LogitsRow.Span(readable), sequence.Prompt, sequence.Output);
        }
        finally
        {
            if (!ReferenceEquals(readable, row)) readable.Dispose();
        }
    }

    private void Apply(Sequence sequence, SampledToken token)
    {
        sequence.Output.Add(token.Id);
        var now = sequence.Clock.Elapsed;
        if (sequence.Output.Count == 1)
        {
            sequence.FirstToken = now;
            counters.FirstToken(now);
        }
        else
        {
            counters.InterToken(now - sequence.LastToken);
        }
        sequence.LastToken = now;
        sequence.Stream.Publish(new TokenEvent(token.Id, token.Logprob, token.TopLogprobs, now));

        string? stopString = null;
        if (sequence.StopIds.Contains(token.Id)) Finish(sequence, GenerationFinish.Stop);
        else if (sequence.Sampling.StopStrings.Count > 0 && (stopString = FindStopString(sequence)) is not null) Finish(sequence, GenerationFinish.Stop, stopString: stopString);
        else if (sequence.Output.Count >= sequence.Sampling.MaxTokens || sequence.Length >= model.Config.MaxPositionEmbeddings) Finish(sequence, GenerationFinish.Length);
    }

    /// <summary>Only the output's tail can hold a new match: a stop string of n characters spans at most n (+ a few) tokens.</summary>
    private string? FindStopString(Sequence sequence)
    {
        int longest = sequence.Sampling.StopStrings.Max(s => s.Length);
        int tail = Math.Min(sequence.Output.Count, longest + 4);
        var text = decoder!(sequence.Output.GetRange(sequence.Output.Count - tail, tail));
        return sequence.Sampling.StopStrings.FirstOrDefault(s => text.Contains(s, StringComparison.Ordinal));
    }

    private void Finish(Sequence sequence, GenerationFinish finish, bool admitted = true, string? error = null, string? stopString = null)
    {
        if (admitted) scheduler.Remove(sequence);
        counters.Completed();
        sequence.Stream.Complete(new GenerationResult
        {
            Tokens = sequence.Output.ToArray(),
            Finish = finish,
            PromptTokens = sequence.Prompt.Count,
            Error = error,
            StopString = stopString,
            Adjustment = sequence.Adjustment,
            QueueTime = sequence.QueueTime ?? TimeSpan.Zero,
            TimeToFirstToken = sequence.FirstToken,
            Total = sequence.Clock.Elapsed,
        });
    }

    public void Dispose()
    {
        stopping = true;
        wake.Release();
        loop.Join();
        cache.Dispose();
        wake.Dispose();
    }
}
