namespace GptOssWorkbench.Engine.Serving;

using System.Diagnostics;

/// <summary>
/// Counters behind <see cref="InferenceEngine.Snapshot"/>. Written by the engine thread, read from any thread,
/// so everything goes through one lock (a handful of updates per step is nothing next to a forward pass).
/// Rates are over the last <see cref="RateWindow"/> of steps so a dashboard sees current speed, not a lifetime average.
/// </summary>
internal sealed class EngineCounters
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);
    private const int LatencySamples = 512;

    private readonly object gate = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Queue<(TimeSpan At, int Prefill, int Decode)> recentSteps = new();
    private readonly Queue<double> firstTokenMs = new();
    private readonly Queue<double> interTokenMs = new();
    private long prefillTokens, decodeTokens, completed, submitted, steps, decodeOnlyTokens;
    private TimeSpan decodeOnlyTime, forwardTime, samplingTime;
    private TimeSpan? lastFirstToken, lastInterToken;

    public void Submitted()
    {
        lock (gate) submitted++;
    }

    public void Completed()
    {
        lock (gate) completed++;
    }

    public void Step(int prefill, int decode, TimeSpan forward, TimeSpan sampling)
    {
        lock (gate)
        {
            steps++;
            forwardTime += forward;
            samplingTime += sampling;
            if (prefill == 0)
            {
                decodeOnlyTokens += decode;
                decodeOnlyTime += forward + sampling;
            }
            prefillTokens += prefill;
            decodeTokens += decode;
            recentSteps.Enqueue((clock.Elapsed, prefill, decode));
            while (recentSteps.Count > 0 && recentSteps.Peek().At < clock.Elapsed - RateWindow) recentSteps.Dequeue();
        }
    }

    public void FirstToken(TimeSpan sinceSubmit)
    {
        lock (gate)
        {
            lastFirstToken = sinceSubmit;
            Add(firstTokenMs, sinceSubmit.TotalMilliseconds);
        }
    }

    public void InterToken(TimeSpan gap)
    {
        lock (gate)
        {
            lastInterToken = gap;
            Add(interTokenMs, gap.TotalMilliseconds);
        }
    }

    public EngineMetrics Snapshot(int waiting, int running, BlockManager blocks, long preemptions)
    {
        lock (gate)
        {
            // The window spans from the oldest remembered step to now (at most RateWindow).
            double seconds = recentSteps.Count == 0 ? 0 : Math.Max(1e-3, (clock.Elapsed - recentSteps.Peek().At).TotalSeconds);
            return new EngineMetrics
            {
                Waiting = waiting,
                Running = running,
                PrefillTokens = prefillTokens,
                DecodeTokens = decodeTokens,
                CompletedRequests = completed,
                SubmittedRequests = submitted,
                Steps = steps,
                Preemptions = preemptions,
                KvBlocksUsed = blocks.Used,
                KvBlocksTotal = blocks.Total,
                KvBlockSize = blocks.BlockSize,
                PrefixCacheHitRate = blocks.PrefixLookupTokens == 0 ? 0 : (double)blocks.PrefixHitTokens / blocks.PrefixLookupTokens,
                PrefixCacheHitTokens = blocks.PrefixHitTokens,
                PrefixCacheLookupTokens = blocks.PrefixLookupTokens,
                PrefillTokensPerSecond = seconds == 0 ? 0 : recentSteps.Sum(s => s.Prefill) / seconds,
                DecodeTokensPerSecond = seconds == 0 ? 0 : recentSteps.Sum(s => s.Decode) / seconds,
                DecodeOnlyStepTokens = decodeOnlyTokens,
                DecodeOnlyStepSeconds = decodeOnlyTime.TotalSeconds,
                ForwardSeconds = forwardTime.TotalSeconds,
                SamplingSeconds = samplingTime.TotalSeconds,
                LastTimeToFirstToken = lastFirstToken,
                LastInterTokenLatency = lastInterToken,
                TimeToFirstTokenP50Ms = Median(firstTokenMs),
                InterTokenLatencyP50Ms = Median(interTokenMs),
            };
        }
    }

    private static void Add(Queue<double> samples, double value)
    {
        samples.Enqueue(value);
        if (samples.Count > LatencySamples) samples.Dequeue();
    }

    private static double? Median(Queue<double> samples)
    {
        if (samples.Count == 0) return null;
        var sorted = samples.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
