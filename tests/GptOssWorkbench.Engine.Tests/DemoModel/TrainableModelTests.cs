namespace GptOssWorkbench.Engine.Tests.DemoModel;

using GptOssWorkbench.Engine.DemoModel;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Tests.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using static TorchSharp.torch;

/// <summary>
/// The trainable model still uses TorchSharp's temporary scalars (see Engine/Model/KeptScalars.cs), which a garbage
/// collection on another thread can free mid-call; the training tests therefore run alone, not beside allocating tests.
/// </summary>
[CollectionDefinition(nameof(TrainableModelTests), DisableParallelization = true)]
public sealed class TrainingRunsAlone;

[Collection(nameof(TrainableModelTests))]
public class TrainableModelTests
{
    private static readonly Lazy<DemoVocabulary> Vocabulary = new(() => DemoVocabulary.ForTasks(sampleProblems: 1500));

    /// <summary>A model whose weights are far from the near-uniform initialisation, so every block matters.</summary>
    private static TrainableGptOss PerturbedModel(int seed)
    {
        var model = new TrainableGptOss(DemoModelConfig.Nano, Vocabulary.Value, seed);
        using var noGrad = no_grad();
        manual_seed(seed);
        foreach (var p in model.Parameters()) p.add_(randn_like(p) * 0.3);
        return model;
    }

    /// <summary>A real high-effort problem longer than the 128-token window, with one prompt id the task never uses.</summary>
    private static int[] LongSequence()
    {
        var p = new DemoTaskGenerator(seed: 11).Build(DemoTaskFamily.Multiplication, ReasoningEffort.High, 4738, 7);
        var tokens = p.PromptTokens.Concat(p.CompletionTokens).ToArray();
        Assert.True(tokens.Length > DemoModelConfig.Nano.SlidingWindow + 10, $"sequence of {tokens.Length} tokens does not cross the window");
        tokens[20] = 1000; // an ordinary o200k id outside the demo vocabulary
        Assert.False(Vocabulary.Value.IsUsed(1000));
        return tokens;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Exported_checkpoint_run_by_the_engine_gives_the_trainable_models_logits(bool mxfp4)
    {
        using var temp = new TempDirectory();
        using var model = PerturbedModel(seed: 3);
        model.SnapToExportPrecision(quantizeExperts: mxfp4);
        var directory = temp.Sub("model");
        if (mxfp4)
        {
            DemoArtifact.Write(model, temp.Sub("nano.bin.gz"));
            DemoModelInstaller.EnsureExpanded(temp.Sub("nano.bin.gz"), directory);
        }
        else
        {
            DemoArtifact.WriteUnquantizedCheckpoint(model, directory);
        }

        var tokens = LongSequence();
        var vocabulary = Vocabulary.Value;
        float[,] expected;
        using (var noGrad = no_grad())
        using (var ids = tensor(tokens.Select(t => (long)vocabulary.IndexOf(t)).ToArray()).view(1, -1))
        using (var logits = model.Forward(ids))
        {
            var flat = logits.data<float>().ToArray();
            expected = new float[tokens.Length, vocabulary.Size];
            for (int t = 0; t < tokens.Length; t++)
                for (int v = 0; v < vocabulary.Size; v++) expected[t, v] = flat[t * vocabulary.Size + v];
        }

        using var weights = CheckpointLoader.Load(directory);
        Assert.Equal(HarmonyTokens.VocabularySize, weights.Config.VocabSize);
        Assert.Equal(mxfp4, weights.Layers[0].Experts.IsPacked);
        using var engine = new GptOssModel(weights, new EngineOptions { Dtype = ComputePrecision.Float32, Threads = 1 });
        var actual = engine.ScoreAllPositions(tokens);

        double worst = 0;
        for (int t = 0; t < tokens.Length; t++)
        {
            for (int i = 0; i < vocabulary.UsedIds.Count; i++) worst = Math.Max(worst, Math.Abs(actual[t][vocabulary.UsedIds[i]] - expected[t, i + 1]));
            // Every unused id shares row 0 of the unembedding.
            foreach (var unused in new[] { 5, 1000, 150000, 201087 }) worst = Math.Max(worst, Math.Abs(actual[t][unused] - expected[t, 0]));
        }
        double scale = Enumerable.Range(0, tokens.Length).Max(t => actual[t].Max(Math.Abs));
        Assert.True(scale > 1, $"logits too flat to compare (max |logit| {scale})");
        Assert.True(worst < 2e-3 * scale, $"largest logit difference {worst} (max |logit| {scale})");
    }

    [Fact]
    public void An_artifact_read_back_for_more_training_computes_what_was_written()
    {
        using var temp = new TempDirectory();
        using var model = PerturbedModel(seed: 9);
        model.SnapToExportPrecision();
        DemoArtifact.Write(model, temp.Sub("nano.bin.gz"));
        using var resumed = DemoArtifact.ReadTrainable(temp.Sub("nano.bin.gz"));
        Assert.Equal(model.Vocabulary.UsedIds, resumed.Vocabulary.UsedIds);
        using var noGrad = no_grad();
        using var ids = tensor(LongSequence().Select(t => (long)model.Vocabulary.IndexOf(t)).ToArray()).view(1, -1);
        using var expected = model.Forward(ids);
        using var actual = resumed.Forward(ids);
        using var difference = (expected - actual).abs().max();
        Assert.True(difference.item<float>() < 1e-4, $"logits differ by {difference.item<float>()}");
    }

    [Fact]
    public void Mxfp4_quantizer_output_is_decoded_by_the_engines_dequantizer_to_nearby_values()
    {
        manual_seed(1);
        using var weight = randn(3, 8, 64) * 0.05;
        using var roundTrip = Mxfp4Quantizer.RoundTrip(weight);
        // FP4 has 1 mantissa bit: after the block scale, the error is at most a quarter of the block's largest step.
        using var error = (roundTrip - weight).abs().max();
        using var max = weight.abs().max();
        Assert.True(error.item<float>() <= max.item<float>() / 4, $"error {error.item<float>()} for max {max.item<float>()}");
        using var again = Mxfp4Quantizer.RoundTrip(roundTrip);
        using var drift = (again - roundTrip).abs().max();
        Assert.True(drift.item<float>() == 0, $"quantizing already-quantized values must be exact (drift {drift.item<float>()})");
    }

    [Fact]
    public void Quantization_aware_forward_computes_with_the_mxfp4_experts_and_trains_the_full_precision_weights()
    {
        using var aware = PerturbedModel(seed: 4);
        using var rounded = PerturbedModel(seed: 4);
        using (var noGrad = no_grad())
        {
            foreach (var layer in rounded.Layers)
            {
                layer.GateUpWeight.copy_(Mxfp4Quantizer.RoundTrip(layer.GateUpWeight));
                layer.DownWeight.copy_(Mxfp4Quantizer.RoundTrip(layer.DownWeight));
            }
        }
        var p = new DemoTaskGenerator(seed: 12).Build(DemoTaskFamily.Subtraction, ReasoningEffort.Low, 5029, 89);
        using var batch = DemoTrainer.MakeBatch([p], Vocabulary.Value);
        float[] Logits(TrainableGptOss model)
        {
            using var noGrad = no_grad();
            using var logits = model.Forward(batch.Inputs);
            return logits.data<float>().ToArray();
        }
        var plain = Logits(aware);
        aware.QuantizationAware = true;
        var quantized = Logits(aware);
        var expected = Logits(rounded);
        Assert.True(plain.Zip(expected).Max(x => Math.Abs(x.First - x.Second)) > 1e-3, "MXFP4 rounding should change the logits of a perturbed model");
        Assert.True(quantized.Zip(expected).Max(x => Math.Abs(x.First - x.Second)) < 1e-4, "the quantization-aware forward must equal the forward with MXFP4-rounded experts");

        using var loss = DemoTrainer.Loss(aware, batch.Inputs, batch.Targets, batch.Mask);
        loss.backward();
        using var gradient = aware.Layers[0].GateUpWeight.grad!.abs().sum();
        Assert.True(gradient.item<float>() > 0, "no gradient reached the full-precision expert weights");
    }

    [Fact]
    public void The_unused_penalty_drives_the_probability_of_unused_ids_far_below_cross_entropy_alone()
    {
        var p = new DemoTaskGenerator(seed: 13).Build(DemoTaskFamily.Addition, ReasoningEffort.Low, 4738, 1295);
        using var batch = DemoTrainer.MakeBatch([p], Vocabulary.Value);
        double WorstUnused(double penalty)
        {
            var options = new DemoTrainingOptions { Steps = 20, BatchSize = 4, WarmupSteps = 2, LearningRate = 1e-2, Seed = 3, Threads = 1, LogEvery = 20, UnusedPenalty = penalty };
            using var model = new TrainableGptOss(DemoModelConfig.Nano, Vocabulary.Value, seed: 3);
            new DemoTrainer(options).Train(model, options.Steps);
            using var noGrad = no_grad();
            var scored = batch.Mask.view(-1).nonzero().view(-1);
            using var logits = model.Forward(batch.Inputs, forLoss: true, scoredRows: scored);
            using var logUnused = nn.functional.log_softmax(logits, 1).select(1, 0).max();
            return Math.Exp(logUnused.item<float>());
        }
        double plain = WorstUnused(0), penalized = WorstUnused(10.0);
        Assert.True(penalized < plain / 20, $"worst unused probability {plain:E2} without the penalty, {penalized:E2} with it");
    }

    [Fact]
    public void A_few_training_steps_reduce_the_loss()
    {
        var options = new DemoTrainingOptions { Steps = 30, BatchSize = 4, WarmupSteps = 5, LearningRate = 1e-2, Seed = 2, Threads = 1, LogEvery = 30 };
        using var model = new TrainableGptOss(DemoModelConfig.Nano, Vocabulary.Value, seed: 2);
        var problems = new DemoTaskGenerator(seed: 77).Next(DemoTaskFamily.Addition, ReasoningEffort.Low);
        using var batch = DemoTrainer.MakeBatch([problems], Vocabulary.Value);
        double Before()
        {
            using var noGrad = no_grad();
            using var loss = DemoTrainer.Loss(model, batch.Inputs, batch.Targets, batch.Mask);
            return loss.item<float>();
        }
        double before = Before();
        new DemoTrainer(options).Train(model, options.Steps);
        double after = Before();
        Assert.True(after < before - 1.0, $"loss {before:F3} -> {after:F3}");
    }
}
