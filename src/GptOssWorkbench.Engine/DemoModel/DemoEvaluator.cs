namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>The outcome of one evaluated problem.</summary>
public sealed record DemoEvaluationItem(DemoTaskFamily Family, ReasoningEffort Effort, string Question, string Expected, string? Final, bool WellFormed, int ReasoningTokens, string? Analysis = null,
    IReadOnlyList<int>? Completion = null)
{
    public bool Exact => WellFormed && Final == Expected;
}

/// <summary>Aggregates over a set of evaluated problems.</summary>
public sealed record DemoEvaluationSummary(int Problems, double ExactPercent, double WellFormedPercent, double MeanReasoningTokens)
{
    public static DemoEvaluationSummary Of(IReadOnlyCollection<DemoEvaluationItem> items) => new(
        items.Count,
        items.Count == 0 ? 0 : 100.0 * items.Count(i => i.Exact) / items.Count,
        items.Count == 0 ? 0 : 100.0 * items.Count(i => i.WellFormed) / items.Count,
        items.Count == 0 ? 0 : items.Average(i => i.ReasoningTokens));
}

/// <summary>
/// Runs held-out problems through the whole stack: harmony render → engine (greedy, stop on &lt;|return|&gt; or
/// &lt;|call|&gt;) → streaming parser. Well-formed means exactly an analysis message then a final message, ending with
/// &lt;|return|&gt;, without parser warnings; exact means the final text equals the true answer.
/// </summary>
public sealed class DemoEvaluator(GptOssModel model)
{
    private readonly TextGenerator generator = new(model);

    public int MaxTokens { get; init; } = 400;

    /// <summary>Problems drawn from a generator seeded with <paramref name="seed"/> (training uses other seeds), cycling efforts.</summary>
    public static IReadOnlyList<DemoProblem> HeldOutProblems(int count, int seed)
    {
        var tasks = new DemoTaskGenerator(seed);
        var families = Enum.GetValues<DemoTaskFamily>();
        return [.. Enumerable.Range(0, count).Select(i => tasks.Next(families[i / 3 % families.Length], (ReasoningEffort)(i % 3)))];
    }

    public DemoEvaluationItem Evaluate(DemoProblem problem)
    {
        var options = new SamplingOptions
        {
            Temperature = 0,
            MaxTokens = MaxTokens,
            StopTokenIds = [HarmonyTokens.Return, HarmonyTokens.Call, HarmonyTokens.EndOfText],
        };
        var parser = new HarmonyStreamParser(HarmonyTokenizer.Shared);
        var tokens = new List<int>();
        foreach (var token in generator.Generate(problem.PromptTokens, options))
        {
            tokens.Add(token.Id);
            parser.Feed(token.Id);
        }
        parser.Finish();
        var messages = parser.Messages;
        bool wellFormed = messages.Count == 2
            && messages[0].Channel == Channels.Analysis && messages[1].Channel == Channels.Final
            && messages.All(m => m.Role == Role.Assistant)
            && tokens.Count > 0 && tokens[^1] == HarmonyTokens.Return
            && parser.Warnings.Count == 0;
        var final = messages.LastOrDefault(m => m.Channel == Channels.Final)?.Text.Trim();
        var analysis = messages.FirstOrDefault(m => m.Channel == Channels.Analysis)?.Text;
        return new DemoEvaluationItem(problem.Family, problem.Effort, problem.Question, problem.Answer, final, wellFormed, AnalysisTokens(tokens), analysis, tokens);
    }

    /// <summary>
    /// The total probability of ids outside <paramref name="usedIds"/> at each position that produced a token of
    /// <paramref name="completion"/> (prompt + completion re-run in one pass), computed in log space so values far
    /// below fp32's 1e-7 resolution near 1 stay exact.
    /// </summary>
    public double[] UnusedProbabilities(IReadOnlyList<int> prompt, IReadOnlyList<int> completion, IReadOnlyCollection<int> usedIds)
    {
        if (completion.Count == 0) return [];
        var tokens = prompt.Concat(completion).ToArray();
        using var scope = NewDisposeScope();
        using var cache = model.CreateCache(tokens.Length);
        var logits = model.Forward(tokens, cache, allPositions: true).narrow(0, prompt.Count - 1, completion.Count).to(float64);
        var used = zeros([logits.shape[1]], ScalarType.Bool);
        used.index_fill_(0, tensor(usedIds.Select(i => (long)i).ToArray()), KeptScalars.One);
        var logUnused = logits.masked_fill(used.unsqueeze(0), KeptScalars.NegativeInfinity).logsumexp(1);
        return [.. logUnused.sub(logits.logsumexp(1)).exp().data<double>()];
    }

    /// <summary>Tokens of the first analysis message's content (between its &lt;|message|&gt; and &lt;|end|&gt;).</summary>
    public static int AnalysisTokens(IReadOnlyList<int> completion)
    {
        int start = -1;
        for (int i = 0; i < completion.Count; i++)
        {
            if (start < 0 && completion[i] == HarmonyTokens.Message) start = i + 1;
            else if (start >= 0 && (completion[i] == HarmonyTokens.End || completion[i] == HarmonyTokens.Return)) return i - start;
        }
        return start < 0 ? 0 : completion.Count - start;
    }
}
