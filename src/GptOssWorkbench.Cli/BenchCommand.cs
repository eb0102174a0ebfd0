namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine.Kernels;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>
/// `gptoss bench`: throughput of the continuous-batching engine per concurrency level (issue 6), or with
/// --single the one-sequence prefill/decode speeds beside the memory-bandwidth limit (issue 4).
/// The last stdout line is JSON: {"runs":[...]} or {"single":{...}}.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint folder", Required = true };
        var concurrency = new Option<string>("--concurrency") { Description = "Concurrency levels, comma separated", DefaultValueFactory = _ => "1,2,4,8,16" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length of every request", DefaultValueFactory = _ => 64 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens every request makes (end-of-sequence is ignored)", DefaultValueFactory = _ => 32 };
        var sharedPrefix = new Option<int>("--shared-prefix") { Description = "Leading prompt tokens all requests of a level share", DefaultValueFactory = _ => 0 };
        var requests = new Option<int>("--requests") { Description = "Requests per level (0 = 2x the concurrency)", DefaultValueFactory = _ => 0 };
        var emitTokens = new Option<bool>("--emit-tokens") { Description = "Add every request's prompt and output ids to each run" };
        var json = new Option<bool>("--json") { Description = "Print the JSON result as the last stdout line (the table goes to stderr)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic prompts", DefaultValueFactory = _ => 0 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus mass in (0, 1]; 1 = off", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Keep the k most likely tokens; 0 = off", DefaultValueFactory = _ => 0 };
        var minP = new Option<double>("--min-p") { Description = "Drop tokens below this fraction of the top token's probability, in [0, 1]; 0 = off", DefaultValueFactory = _ => 0 };
        var logprobs = new Option<int>("--logprobs") { Description = $"Report the chosen token's log-probability and this many alternatives (0 to {MaxLogprobs}); 0 = off", DefaultValueFactory = _ => 0 };
        var dtype = new Option<string>("--dtype") { Description = "fp32 (same numerics as generate's default) or bf16 (speed)", DefaultValueFactory = _ => "fp32" };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = auto: 1 for tiny models, else libtorch's default)", DefaultValueFactory = _ => 0 };
        var kvMb = new Option<int>("--kv-cache-mb") { Description = "KV cache budget in MiB", DefaultValueFactory = _ => 512 };
        var stepTokens = new Option<int>("--step-tokens") { Description = "Most tokens per engine step", DefaultValueFactory = _ => 512 };
        var kernel = new Option<string>("--expert-kernel") { Description = "auto (engine default), adaptive, fused (AVX MXFP4 kernel) or dequantize", DefaultValueFactory = _ => "auto" };
        var probeMb = new Option<int>("--bandwidth-probe-mb") { Description = "Buffer of the memory-bandwidth probe (--single); far larger than the caches", DefaultValueFactory = _ => 1024 };
        var single = new Option<bool>("--single") { Description = "One sequence: prefill tok/s, decode tok/s, time per layer, ratio to the memory-bandwidth limit" };

        var command = new Command("bench", "Measure engine throughput per concurrency level (or one sequence with --single)");
        foreach (var option in new Option[] { model, concurrency, promptTokens, maxTokens, sharedPrefix, requests, emitTokens, json, seed, temperature, topP, topK, minP, logprobs, dtype, threads, kvMb, stepTokens, kernel, probeMb, single }) command.Options.Add(option);
        command.SetAction(parse => ModelCommandOptions.Guard("bench", () =>
        {
            int prompt = parse.GetValue(promptTokens), produce = parse.GetValue(maxTokens), prefix = parse.GetValue(sharedPrefix);
            if (prompt < 1) throw new ArgumentException("--prompt-tokens must be at least 1.");
            if (produce < 1) throw new ArgumentException("--max-tokens must be at least 1.");
            if (prefix < 0 || prefix > prompt) throw new ArgumentException($"--shared-prefix must be between 0 and --prompt-tokens ({prompt}).");
            var levels = ModelCommandOptions.ParseIds(parse.GetValue(concurrency)!, "--concurrency", allowEmpty: false);
            if (levels.Any(c => c < 1)) throw new ArgumentException("--concurrency levels must be at least 1.");
            var sampling = SamplingFor(parse.GetValue(temperature), parse.GetValue(topP), parse.GetValue(topK), parse.GetValue(minP), parse.GetValue(logprobs), parse.GetValue(seed), produce);

            var weights = CheckpointLoader.Load(parse.GetValue(model)!);
            using var _ = weights;
            var (options, kernelName) = EngineOptionsFor(weights.Config, parse.GetValue(dtype)!, parse.GetValue(threads), parse.GetValue(kernel)!);
            using var gptOss = new GptOssModel(weights, options);
            Console.Error.WriteLine($"bench: {weights.Config.NumLayers} layers, {gptOss.ComputeType}, threads {TorchSharp.torch.get_num_threads()}, experts via {kernelName}");
            bool asJson = parse.GetValue(json);
            if (parse.GetValue(single))
            {
                var result = SingleSequenceBench.Run(gptOss, weights, prompt, produce, parse.GetValue(seed), (long)parse.GetValue(probeMb) << 20);
                Print(asJson, result.Describe(), new { single = result });
                return 0;
            }

            var serving = new ServingOptions { KvCacheBytes = (long)parse.GetValue(kvMb) << 20, MaxTokensPerStep = parse.GetValue(stepTokens) };
            var runs = new List<BenchRun>();
            foreach (var level in levels)
            {
                int count = parse.GetValue(requests) is > 0 and var r ? r : 2 * level;
                var run = ConcurrencyLevel(gptOss, serving, sampling, level, count, prompt, prefix, parse.GetValue(seed), parse.GetValue(emitTokens));
                Console.Error.WriteLine(run.Describe());
                runs.Add(run);
            }
            Print(asJson, string.Join(Environment.NewLine, runs.Select(r => r.Describe())), new { runs });
            return 0;
        }));
        return command;
    }

    /// <summary>The API's limit on alternatives per token (OpenAI's top_logprobs allows up to 20).</summary>
    internal const int MaxLogprobs = 20;

    /// <summary>
    /// Checked before the model loads, with the flag names in the message, so that a typo costs no checkpoint load
    /// and the user learns which flag was wrong rather than the engine's field name.
    /// </summary>
    private static SamplingOptions SamplingFor(double temperature, double topP, int topK, double minP, int logprobs, int seed, int maxTokens)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new ArgumentException($"--temperature must be a finite number >= 0 (got {temperature}).");
        if (!(topP > 0 && topP <= 1)) throw new ArgumentException($"--top-p must be in (0, 1] (got {topP}).");
        if (topK < 0) throw new ArgumentException($"--top-k must be >= 0 (got {topK}).");
        if (!(minP >= 0 && minP <= 1)) throw new ArgumentException($"--min-p must be in [0, 1] (got {minP}).");
        if (logprobs is < 0 or > MaxLogprobs) throw new ArgumentException($"--logprobs must be between 0 and {MaxLogprobs} (got {logprobs}).");
        var sampling = new SamplingOptions
        {
            Temperature = temperature, TopP = topP, TopK = topK, MinP = minP,
            Logprobs = logprobs > 0, TopLogprobs = logprobs, Seed = seed, MaxTokens = maxTokens,
        };
        sampling.Validate();
        return sampling;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static void Print(bool asJson, string table, object result)
    {
        if (asJson) Console.WriteLine(JsonSerializer.Serialize(result, Json));
        else Console.WriteLine(table);
    }

    private static (EngineOptions, string) EngineOptionsFor(ModelConfig config, string dtype, int threads, string kernel)
    {
        var precision = EngineOptions.ParsePrecision(dtype);
        int resolvedThreads = threads > 0 ? threads : config.HiddenSize < 1024 ? 1 : 0;
        var options = new EngineOptions { Dtype = precision, Threads = resolvedThreads };
        return kernel switch
        {
            "auto" => (options, "the engine's default"),
            "adaptive" => (options with { ExpertMatmul = new AdaptiveExpertMatmul() }, $"fused kernel for ≤ {AdaptiveExpertMatmul.DefaultMaxFusedRows} rows, else dequantize"),
            "fused" => (options with { ExpertMatmul = new FusedExpertMatmul() }, "the fused MXFP4 kernel"),
            "dequantize" => (options with { ExpertMatmul = new DequantizingExpertMatmul() }, "dequantize + matmul"),
            _ => throw new ArgumentException($"--expert-kernel: unknown '{kernel}' (auto, adaptive, fused or dequantize)."),
        };
    }

    /// <summary>Deterministic prompts: a shared prefix from the seed, then each request's own tokens.</summary>
    internal static int[] BenchPrompt(int seed, int request, int length, int sharedPrefix, int vocab)
    {
        int limit = Math.Min(vocab, 199_998); // ordinary text ids, below harmony's special tokens
        var shared = new Random(seed);
        var own = new Random(HashCode.Combine(seed, request, 7919));
        return Enumerable.Range(0, length).Select(i => i < sharedPrefix ? shared.Next(limit) : own.Next(limit)).ToArray();
    }

    private static BenchRun ConcurrencyLevel(GptOssModel model, ServingOptions serving, SamplingOptions sampling, int concurrency, int requests, int promptLength, int sharedPrefix, int seed, bool emit)
    {
        // A fresh engine per level: its prefix cache starts cold, so levels do not feed each other.
        using var engine = new InferenceEngine(model, options: serving);
        var warmUp = Enumerable.Range(0, concurrency)
            .Select(i => engine.Submit(new GenerationRequest(BenchPrompt(seed + 1_000_003, i, promptLength, 0, model.Config.VocabSize), sampling with { MaxTokens = 2 }) { IgnoreStopTokens = true }).Completion)
            .ToArray();
        Task.WaitAll(warmUp);

        var before = engine.Snapshot();
        var prompts = Enumerable.Range(0, requests).Select(i => BenchPrompt(seed, i, promptLength, sharedPrefix, model.Config.VocabSize)).ToArray();
        var outcomes = new RequestOutcome[requests];
        using var slots = new SemaphoreSlim(concurrency);
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, requests).Select(async i =>
        {
            await slots.WaitAsync();
            try
            {
                var stream = engine.Submit(new GenerationRequest(prompts[i], sampling) { IgnoreStopTokens = true });
                var times = new List<double>();
                await foreach (var token in stream.Tokens) times.Add(token.SinceSubmit.TotalMilliseconds);
                var result = await stream.Completion;
                if (result.Finish == GenerationFinish.Error) throw new InvalidOperationException($"request {i} failed: {result.Error}");
                outcomes[i] = new RequestOutcome(result.Tokens.ToArray(), times);
            }
            finally
            {
                slots.Release();
            }
        }).ToArray();
        Task.WaitAll(tasks);
        double seconds = clock.Elapsed.TotalSeconds;
        var metrics = engine.Snapshot();

        int output = outcomes.Sum(o => o.Tokens.Length);
        var gaps = outcomes.SelectMany(o => o.Times.Zip(o.Times.Skip(1), (a, b) => b - a)).ToList();
        return new BenchRun
        {
            Concurrency = concurrency,
            Requests = requests,
            PromptTokens = promptLength * requests,
            OutputTokens = output,
            Seconds = Math.Round(seconds, 4),
            TokensPerSecond = Math.Round(output / seconds, 3),
            DecodeTokensPerSecond = metrics.DecodeOnlyStepSeconds == before.DecodeOnlyStepSeconds ? 0
                : Math.Round((metrics.DecodeOnlyStepTokens - before.DecodeOnlyStepTokens) / (metrics.DecodeOnlyStepSeconds - before.DecodeOnlyStepSeconds), 3),
            // Summed over the steps of this level (warm-up excluded); the wall clock above includes both, so tok/s counts sampling.
            ForwardSeconds = Math.Round(metrics.ForwardSeconds - before.ForwardSeconds, 4),
            SamplingSeconds = Math.Round(metrics.SamplingSeconds - before.SamplingSeconds, 4),
            TtftMsP50 = Math.Round(Median(outcomes.Select(o => o.Times[0]).ToList()), 3),
            ItlMsP50 = Math.Round(Median(gaps), 3),
            // Measured requests only (the warm-up's prompts are distinct and would dilute the rate).
            PrefixCacheHitRate = metrics.PrefixCacheLookupTokens == before.PrefixCacheLookupTokens ? 0
                : Math.Round((double)(metrics.PrefixCacheHitTokens - before.PrefixCacheHitTokens) / (metrics.PrefixCacheLookupTokens - before.PrefixCacheLookupTokens), 4),
            Preemptions = metrics.Preemptions,
            Samples = emit ? prompts.Zip(outcomes, (p, o) => new BenchSample(p, o.Tokens)).ToArray() : null,
        };
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        values.Sort();
        return values[values.Count / 2];
    }

    private sealed record RequestOutcome(int[] Tokens, List<double> Times);
}

public sealed record BenchSample(int[] Prompt, int[] Output);

public sealed record BenchRun
{
    public int Concurrency { get; init; }
    public int Requests { get; init; }
    public int PromptTokens { get; init; }
    public int OutputTokens { get; init; }
    public double Seconds { get; init; }
    public double TokensPerSecond { get; init; }

    /// <summary>Output tokens per second of the steps that ran no prompt tokens (all sequences decoding): prefill excluded.</summary>
    public double DecodeTokensPerSecond { get; init; }

    /// <summary>Time the measured steps spent in the forward pass (up to the logits) and in sampling their rows.</summary>
    public double ForwardSeconds { get; init; }
    public double SamplingSeconds { get; init; }

    public double TtftMsP50 { get; init; }
    public double ItlMsP50 { get; init; }
    public double PrefixCacheHitRate { get; init; }
    public long Preemptions { get; init; }
    public BenchSample[]? Samples { get; init; }

    public string Describe() =>
        $"concurrency {Concurrency,3}: {Requests} requests, {OutputTokens} tokens in {Seconds:F2} s = {TokensPerSecond:F1} tok/s (decode-only steps {DecodeTokensPerSecond:F1} tok/s), forward {ForwardSeconds:F2} s, sampling {SamplingSeconds:F2} s, TTFT p50 {TtftMsP50:F1} ms, ITL p50 {ItlMsP50:F1} ms, prefix hits {PrefixCacheHitRate:P0}, preemptions {Preemptions}";
}
