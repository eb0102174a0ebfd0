namespace GptOssWorkbench.Engine.Tests.DemoModel;

using GptOssWorkbench.Engine.DemoModel;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using static TorchSharp.torch;

/// <summary>The trained gpt-oss-nano that ships embedded in the engine, expanded once and run by the real engine.</summary>
public sealed class ShippedDemoModel : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "gptoss-demo-tests-" + Guid.NewGuid().ToString("N"));

    public ShippedDemoModel()
    {
        Directory = DemoModelInstaller.EnsureExpanded(directory);
        Weights = CheckpointLoader.Load(Directory);
        Model = new GptOssModel(Weights, new EngineOptions { Dtype = ComputePrecision.Float32, Threads = 1 });
    }

    public string Directory { get; }
    public ModelWeights Weights { get; }
    public GptOssModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        Weights.Dispose();
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public class ShippedDemoModelTests(ShippedDemoModel shipped) : IClassFixture<ShippedDemoModel>
{
    [Fact]
    public void The_engine_ships_a_demo_artifact_of_a_few_megabytes()
    {
        Assert.True(DemoModelInstaller.HasEmbeddedArtifact);
        using var stream = typeof(DemoModelInstaller).Assembly.GetManifestResourceStream(DemoModelInstaller.ResourceName)!;
        Assert.InRange(stream.Length, 100_000, 5_000_000);
        Assert.InRange(new FileInfo(Path.Combine(shipped.Directory, "model.safetensors")).Length, 50_000_000, 60_000_000);
    }

    [Fact]
    public void It_answers_held_out_problems_through_render_engine_and_parser_with_longer_reasoning_at_higher_effort()
    {
        var evaluator = new DemoEvaluator(shipped.Model);
        // Seed 515151 is not one the trainer draws from; every family meets every effort twice.
        var items = DemoEvaluator.HeldOutProblems(24, seed: 515151).Select(evaluator.Evaluate).ToList();
        var misses = string.Join("\n", items.Where(i => !i.Exact).Select(i => $"{i.Question} -> {i.Final ?? "(none)"} (expected {i.Expected})"));
        Assert.True(items.Count(i => i.WellFormed) >= 23, "malformed completions:\n" + misses);
        // The shipped model measured 99.2 % exact on 240 problems (docs/demo-model.md); one miss in 24 is allowed.
        // These 24 are easy (an older, 80 %-model also got 24/24), so this guards against regressions only; the
        // unused-probability bound below is what older models fail.
        Assert.True(items.Count(i => i.Exact) >= 23, $"{items.Count(i => i.Exact)}/24 exact; misses:\n{misses}");
        double Mean(ReasoningEffort e) => items.Where(i => i.Effort == e).Average(i => i.ReasoningTokens);
        Assert.True(Mean(ReasoningEffort.Low) < Mean(ReasoningEffort.Medium) && Mean(ReasoningEffort.Medium) < Mean(ReasoningEffort.High),
            $"mean reasoning tokens low/medium/high {Mean(ReasoningEffort.Low):F1}/{Mean(ReasoningEffort.Medium):F1}/{Mean(ReasoningEffort.High):F1}");
    }

    [Fact]
    public void Ids_outside_the_task_vocabulary_are_never_chosen_and_get_little_probability()
    {
        // Unused ids share one unembedding row (id 5, "&", is not in the task): find them all from the weights.
        using var unembedding = shipped.Weights.Unembedding.to(float32);
        using var unusedMask = unembedding.eq(unembedding[5].unsqueeze(0)).all(1);
        Assert.InRange(unusedMask.sum().item<long>(), 199_000, 200_000);
        var generator = new DemoTaskGenerator(seed: 31);
        foreach (var effort in new[] { ReasoningEffort.Low, ReasoningEffort.High })
        {
            var p = generator.Next(DemoTaskFamily.Subtraction, effort);
            var tokens = p.PromptTokens.Concat(p.CompletionTokens).ToArray();
            using var cache = shipped.Model.CreateCache(tokens.Length);
            using var logits = shipped.Model.Forward(tokens, cache, allPositions: true);
            using var probabilities = logits.softmax(1);
            using var unusedMass = probabilities.masked_fill(unusedMask.logical_not(), 0).sum(1);
            // Positions where the model generates the assistant's completion.
            using var completion = unusedMass.narrow(0, p.PromptTokens.Count - 1, p.CompletionTokens.Count);
            float worst = completion.max().item<float>();
            // Measured 3.0e-11 here (over 240 evaluation problems: mean 3.6e-11, worst token 3.9e-7); an earlier
            // model reaches 1.9e-6 here and fails this bound.
            Assert.True(worst < 1e-8, $"unused ids hold up to {worst:E2} of the probability");
            using var chosen = logits.argmax(1);
            using var chosenUnused = unusedMask.index_select(0, chosen).any();
            Assert.False(chosenUnused.item<bool>(), "greedy decoding picked an unused id");
        }
    }
}
