namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine.DemoModel;

/// <summary>
/// `gptoss train-demo`: trains gpt-oss-nano on generated arithmetic problems and writes OUT/gpt-oss-nano.bin.gz (the
/// compact artifact, also saved every few hundred steps), OUT/model (the expanded HF MXFP4 checkpoint) and
/// OUT/model-bf16-experts (the same weights with unquantized bf16 experts, for measuring the cost of MXFP4).
/// </summary>
public static class TrainDemoCommand
{
    public const string ArtifactFileName = "gpt-oss-nano.bin.gz";
    public const string ModelFolderName = "model";
    public const string UnquantizedFolderName = "model-bf16-experts";

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for the artifact and the expanded checkpoint", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps (batch 16)", DefaultValueFactory = _ => 3000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and the generated problems", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads (0 = libtorch's default)", DefaultValueFactory = _ => 0 };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 4e-3 };
        var minutes = new Option<double>("--minutes") { Description = "Wall-time budget: the schedule ends and training stops when it is used up (0 = none)", DefaultValueFactory = _ => 0 };
        var resume = new Option<string?>("--resume") { Description = "Continue training from this artifact (.bin.gz), e.g. a snapshot or the shipped model" };
        var logEvery = new Option<int>("--log-every") { Description = "Print progress every N steps", DefaultValueFactory = _ => 25 };
        var familyWeights = new Option<string?>("--family-weights") { Description = "Relative weights of addition,subtraction,multiplication,comparison problems, e.g. 20,40,30,10 (default 25,30,32,13)" };
        var unusedPenalty = new Option<double>("--unused-penalty") { Description = "Weight of the extra loss on the probability of unused vocabulary ids above 1e-8 (0 = off)", DefaultValueFactory = _ => 0 };
        var quantizationAware = new Option<bool>("--quantization-aware") { Description = "Train the experts through their MXFP4 rounding (straight-through), so the MXFP4 checkpoint loses nothing" };
        var snapshotEvery = new Option<int>("--snapshot-every") { Description = "Write the artifact every N steps (0 = only at the end)", DefaultValueFactory = _ => 250 };

        var command = new Command("train-demo", "Train the gpt-oss-nano demo model (CPU) and write its artifact and checkpoint");
        foreach (var option in new Option[] { output, steps, seed, threads, learningRate, snapshotEvery, logEvery, minutes, resume, familyWeights, unusedPenalty, quantizationAware }) command.Options.Add(option);
        command.SetAction(parse => ModelCommandOptions.Guard("train-demo", () =>
        {
            var directory = Path.GetFullPath(parse.GetValue(output)!);
            int stepCount = parse.GetValue(steps);
            if (stepCount < 1) throw new ArgumentException($"--steps must be at least 1, got {stepCount}");
            Directory.CreateDirectory(directory);
            var artifact = Path.Combine(directory, ArtifactFileName);
            var clock = Stopwatch.StartNew();
            var resumeFrom = parse.GetValue(resume);
            var start = resumeFrom is null ? null : DemoArtifact.ReadTrainable(resumeFrom);
            var vocabulary = start?.Vocabulary ?? DemoVocabulary.ForTasks();
            var options = new DemoTrainingOptions { Steps = stepCount, Seed = parse.GetValue(seed), Threads = parse.GetValue(threads), LearningRate = parse.GetValue(learningRate), LogEvery = parse.GetValue(logEvery),
                TimeBudget = parse.GetValue(minutes) > 0 ? TimeSpan.FromMinutes(parse.GetValue(minutes)) : null,
                FamilyWeights = ParseFamilyWeights(parse.GetValue(familyWeights)), UnusedPenalty = parse.GetValue(unusedPenalty),
                QuantizationAware = parse.GetValue(quantizationAware) };
            // With --minutes the run usually stops long before --steps; report the steps actually taken.
            int stepsDone = 0;
            var trainer = new DemoTrainer(options)
            {
                Progress = p =>
                {
                    stepsDone = p.Step;
                    Console.Error.WriteLine($"step {p.Step}/{p.Steps} loss {p.Loss:F4} lr {p.LearningRate:E2} {p.TokensPerSecond:F0} tok/s elapsed {p.Elapsed.TotalMinutes:F1} min (data {p.DataSeconds:F1} s, forward {p.ForwardSeconds:F1} s, backward {p.BackwardSeconds:F1} s, optimizer {p.OptimizerSeconds:F1} s)");
                },
                SnapshotEvery = parse.GetValue(snapshotEvery),
                Snapshot = (model, step) =>
                {
                    DemoArtifact.Write(model, artifact);
                    Console.Error.WriteLine($"step {step}: wrote {artifact}");
                },
            };
            Console.Error.WriteLine($"vocabulary {vocabulary.Size} rows ({vocabulary.UsedIds.Count} used ids)");
            using var model = trainer.Train(vocabulary, start: start);
            Console.Error.WriteLine($"{model.ParameterCount} trainable parameters");
            DemoArtifact.Write(model, artifact);
            var checkpoint = DemoModelInstaller.EnsureExpanded(artifact, Path.Combine(directory, ModelFolderName));
            // The same weights before MXFP4, so eval-demo can show what quantization costs.
            DemoArtifact.WriteUnquantizedCheckpoint(model, Path.Combine(directory, UnquantizedFolderName));
            Console.WriteLine($"Trained {stepsDone} steps (limit {stepCount}) in {clock.Elapsed.TotalMinutes:F1} min; artifact {artifact} ({new FileInfo(artifact).Length / 1e6:F2} MB), checkpoint {checkpoint}");
            Console.WriteLine(JsonSerializer.Serialize(new { artifact, checkpoint, steps = stepsDone, stepLimit = stepCount, seconds = clock.Elapsed.TotalSeconds, artifactBytes = new FileInfo(artifact).Length }));
            return 0;
        }));
        return command;
    }

    private static IReadOnlyList<double> ParseFamilyWeights(string? text)
    {
        if (text is null) return DemoTaskGenerator.DefaultFamilyWeights;
        var parts = text.Split(',');
        var weights = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out weights[i]))
                throw new ArgumentException($"--family-weights: '{parts[i]}' is not a number (expected 4 comma-separated weights, e.g. 20,40,30,10)");
        }
        if (weights.Length != 4) throw new ArgumentException($"--family-weights needs 4 weights (addition,subtraction,multiplication,comparison), got {weights.Length}");
        return weights;
    }
}
