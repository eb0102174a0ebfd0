namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine.DemoModel;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>
/// `gptoss eval-demo`: held-out arithmetic problems through render → engine → streaming parser; prints accuracy,
/// well-formedness and reasoning length per effort and per family, then one JSON line.
/// </summary>
public static class EvalDemoCommand
{
    public static Command Create()
    {
        var shared = new ModelCommandOptions();
        var problems = new Option<int>("--problems") { Description = "Number of held-out problems (families and efforts cycle)", DefaultValueFactory = _ => 120 };
        var seed = new Option<int>("--seed") { Description = "Seed of the held-out problems", DefaultValueFactory = _ => 424242 };
        var command = new Command("eval-demo", "Measure the demo model (checkpoint folder or .bin.gz artifact) on held-out problems through the whole stack");
        foreach (var option in new Option[] { shared.Model, shared.Dtype, shared.Device, shared.Threads, problems, seed }) command.Options.Add(option);
        command.SetAction(parse => ModelCommandOptions.Guard("eval-demo", () =>
        {
            int count = parse.GetValue(problems);
            if (count < 1) throw new ArgumentException($"--problems must be at least 1, got {count}");
            var modelPath = parse.GetValue(shared.Model)!;
            // A compact artifact (train-demo's snapshots) is expanded next to itself first.
            var directory = File.Exists(modelPath) && modelPath.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? DemoModelInstaller.EnsureExpanded(modelPath, modelPath + ".expanded")
                : modelPath;
            var weights = CheckpointLoader.Load(directory);
            var threads = parse.GetValue(shared.Threads);
            var model = new GptOssModel(weights, new EngineOptions
            {
                Dtype = EngineOptions.ParsePrecision(parse.GetValue(shared.Dtype)!),
                Device = parse.GetValue(shared.Device)!,
                Threads = threads > 0 ? threads : 1,
            });
            using (weights)
            using (model)
            {
                var clock = Stopwatch.StartNew();
                var evaluator = new DemoEvaluator(model);
                var items = new List<DemoEvaluationItem>();
                foreach (var problem in DemoEvaluator.HeldOutProblems(count, parse.GetValue(seed)))
                {
                    var item = evaluator.Evaluate(problem);
                    items.Add(item);
                    if (!item.Exact) Console.Error.WriteLine($"miss [{item.Family}/{item.Effort}] {item.Question} expected {item.Expected} got {item.Final ?? "(no final)"}{(item.WellFormed ? "" : " (malformed)")}\n    analysis: {item.Analysis?.ReplaceLineEndings(" | ")}");
                }
                var byEffort = Enum.GetValues<ReasoningEffort>().ToDictionary(e => e.ToString().ToLowerInvariant(), e => DemoEvaluationSummary.Of([.. items.Where(i => i.Effort == e)]));
                var byFamily = Enum.GetValues<DemoTaskFamily>().ToDictionary(f => f.ToString().ToLowerInvariant(), f => DemoEvaluationSummary.Of([.. items.Where(i => i.Family == f)]));
                var overall = DemoEvaluationSummary.Of(items);
                foreach (var (name, s) in byEffort.Concat(byFamily).Append(new("overall", overall)))
                {
                    Console.WriteLine($"{name,-15} {s.Problems,4} problems  exact {s.ExactPercent,6:F1} %  well-formed {s.WellFormedPercent,6:F1} %  reasoning {s.MeanReasoningTokens,6:F1} tokens");
                }
                // Ids outside the task vocabulary share one trained row; their probability is what sampling at
                // temperature 1 could pick besides the task's tokens.
                var usedIds = DemoVocabulary.ForTasks().UsedIds.ToHashSet();
                var problemsById = DemoEvaluator.HeldOutProblems(count, parse.GetValue(seed));
                var unused = items.Zip(problemsById).SelectMany(pair => evaluator.UnusedProbabilities(pair.Second.PromptTokens, pair.First.Completion ?? [], usedIds)).ToArray();
                double unusedMean = unused.Length == 0 ? 0 : unused.Average(), unusedMax = unused.Length == 0 ? 0 : unused.Max();
                Console.WriteLine($"unused ids: probability per generated token mean {unusedMean:E2}, max {unusedMax:E2} over {unused.Length} tokens");
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    problems = count,
                    exactPercent = overall.ExactPercent,
                    wellFormedPercent = overall.WellFormedPercent,
                    meanReasoningTokens = overall.MeanReasoningTokens,
                    unusedProbabilityMean = unusedMean,
                    unusedProbabilityMax = unusedMax,
                    byEffort,
                    byFamily,
                    seconds = clock.Elapsed.TotalSeconds,
                }, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
                return 0;
            }
        }));
        return command;
    }
}
