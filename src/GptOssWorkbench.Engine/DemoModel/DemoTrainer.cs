namespace GptOssWorkbench.Engine.DemoModel;

using System.Diagnostics;
using GptOssWorkbench.Engine.Harmony;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>Hyper-parameters of a demo training run (defaults: the recipe measured with the PyTorch prototype).</summary>
public sealed record DemoTrainingOptions
{
    public int Steps { get; init; } = 3000;
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 4e-3;
    public int WarmupSteps { get; init; } = 100;
    /// <summary>The cosine decay ends at this fraction of the peak learning rate.</summary>
    public double FinalLearningRateFraction { get; init; } = 0.1;
    public double ClipNorm { get; init; } = 1.0;
    public int Seed { get; init; } = 1;
    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default.</summary>
    public int Threads { get; init; }
    /// <summary>Share of prompt tokens replaced by the unknown row, so that row learns to stand for unseen ids.</summary>
    public double UnknownTokenRate { get; init; } = 0.02;
    /// <summary>
    /// Weight of an extra loss on the total probability of the unused ids where it is above
    /// <see cref="UnusedProbabilityTarget"/>: mean(max(0, log p_unused − log target)). The cross-entropy alone pushes
    /// that probability with a gradient proportional to the probability itself, so it stalls around 1e-4; in log
    /// space the push does not fade. 0 = off.
    /// </summary>
    public double UnusedPenalty { get; init; }
    public double UnusedProbabilityTarget { get; init; } = 1e-8;
    /// <summary>Train the experts through their MXFP4 rounding (see <see cref="TrainableGptOss.QuantizationAware"/>).</summary>
    public bool QuantizationAware { get; init; }
    /// <summary>Relative weights of addition, subtraction, multiplication and comparison problems.</summary>
    public IReadOnlyList<double> FamilyWeights { get; init; } = DemoTaskGenerator.DefaultFamilyWeights;
    public int LogEvery { get; init; } = 25;
    /// <summary>
    /// Optional wall-time budget: the schedule then runs on max(step fraction, time fraction) and training stops when
    /// either is used up, so a run on a busy shared machine still ends on time with a fully decayed learning rate.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }
}

/// <summary>One logged point of a training run.</summary>
/// <remarks>The seconds split the window's wall time into generating batches, forward, backward and the optimizer step.</remarks>
public sealed record DemoTrainingProgress(int Step, int Steps, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Elapsed,
    double DataSeconds = 0, double ForwardSeconds = 0, double BackwardSeconds = 0, double OptimizerSeconds = 0);

/// <summary>
/// Trains <see cref="TrainableGptOss"/> on freshly generated problems: batches of problems of similar length
/// (less padding), loss on the assistant's tokens only, AdamW (0.9, 0.95) without weight decay, gradient clipping,
/// linear warm-up then cosine decay.
/// </summary>
public sealed class DemoTrainer(DemoTrainingOptions options)
{
    private const int BatchesPerPool = 8;

    /// <summary>Called every <see cref="DemoTrainingOptions.LogEvery"/> steps and at the end.</summary>
    public Action<DemoTrainingProgress>? Progress { get; init; }

    /// <summary>Called every this many steps with the model (e.g. to save a snapshot); 0 disables it.</summary>
    public int SnapshotEvery { get; init; }
    public Action<TrainableGptOss, int>? Snapshot { get; init; }

    /// <summary>Trains a fresh model, or continues <paramref name="start"/> (which the trainer then owns).</summary>
    public TrainableGptOss Train(DemoVocabulary vocabulary, CancellationToken cancellationToken = default, TrainableGptOss? start = null)
    {
        var model = start ?? new TrainableGptOss(DemoModelConfig.Nano, vocabulary, options.Seed);
        try
        {
            Train(model, options.Steps, cancellationToken);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="steps"/> optimizer steps on <paramref name="model"/>; returns the mean loss of the last logged window.</summary>
    public double Train(TrainableGptOss model, int steps, CancellationToken cancellationToken = default)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"steps must be ≥ 1, got {steps}");
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        model.QuantizationAware = options.QuantizationAware;
        var generator = new DemoTaskGenerator(options.Seed * 7919 + 1) { FamilyWeights = options.FamilyWeights };
        var random = new Random(options.Seed);
        var parameters = model.Parameters().ToList();
        using var optimizer = optim.AdamW(parameters, lr: options.LearningRate, beta1: 0.9, beta2: 0.95, weight_decay: 0);
        var pool = new Queue<Batch>();
        var clock = Stopwatch.StartNew();
        double windowLoss = 0, lastLoss = double.NaN;
        long windowTokens = 0;
        int windowSteps = 0;
        var windowStart = clock.Elapsed;
        var phases = new double[4];
        long mark = Stopwatch.GetTimestamp();
        void Lap(int phase)
        {
            long now = Stopwatch.GetTimestamp();
            phases[phase] += Stopwatch.GetElapsedTime(mark, now).TotalSeconds;
            mark = now;
        }
        bool last = false;
        for (int step = 1; !last; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double fraction = Math.Max((double)step / steps, options.TimeBudget is { } budget ? clock.Elapsed / budget : 0);
            last = fraction >= 1;
            mark = Stopwatch.GetTimestamp();
            if (pool.Count == 0) Refill(pool, generator, random, model.Vocabulary);
            var batch = pool.Dequeue();
            Lap(0);
            double lr = LearningRate(step, fraction);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                var loss = Loss(model, batch.Inputs, batch.Targets, batch.Mask, options.UnusedPenalty, options.UnusedProbabilityTarget);
                windowLoss += loss.item<float>();
                Lap(1);
                loss.backward();
                Lap(2);
                nn.utils.clip_grad_norm_(parameters, options.ClipNorm);
                optimizer.step();
                Lap(3);
            }
            batch.Dispose();
            windowTokens += batch.TokenCount;
            windowSteps++;
            if (step % options.LogEvery == 0 || last)
            {
                var now = clock.Elapsed;
                lastLoss = windowLoss / windowSteps;
                Progress?.Invoke(new DemoTrainingProgress(step, last ? step : steps, lastLoss, lr, windowTokens / Math.Max(1e-9, (now - windowStart).TotalSeconds), now,
                    phases[0], phases[1], phases[2], phases[3]));
                (windowLoss, windowTokens, windowSteps, windowStart) = (0, 0, 0, now);
                Array.Clear(phases);
            }
            if (SnapshotEvery > 0 && step % SnapshotEvery == 0 && !last) Snapshot?.Invoke(model, step);
        }
        foreach (var batch in pool) batch.Dispose();
        return lastLoss;
    }

    /// <summary>
    /// Mean cross-entropy over the masked (assistant) positions, with the full-vocabulary softmax; plus, with
    /// <paramref name="unusedPenalty"/> &gt; 0, that weight times mean(max(0, log p_unused − log target)).
    /// </summary>
    public static Tensor Loss(TrainableGptOss model, Tensor inputs, Tensor targets, Tensor mask, double unusedPenalty = 0, double unusedTarget = 1e-8)
    {
        using var scope = NewDisposeScope();
        var scored = mask.view(-1).nonzero().view(-1);
        var logits = model.Forward(inputs, forLoss: true, scoredRows: scored);
        var loss = nn.functional.cross_entropy(logits, targets.view(-1).index_select(0, scored));
        if (unusedPenalty > 0)
        {
            // Column 0 of the loss logits is the log-sum over all unused ids, so this is log of their total probability.
            var logUnused = nn.functional.log_softmax(logits, 1).select(1, 0);
            loss = loss + nn.functional.relu(logUnused - Math.Log(unusedTarget)).mean() * unusedPenalty;
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Linear warm-up over the first steps, then cosine decay over the remaining <paramref name="fraction"/> of the run.</summary>
    private double LearningRate(int step, double fraction)
    {
        if (step <= options.WarmupSteps) return options.LearningRate * step / options.WarmupSteps;
        double progress = Math.Clamp(fraction, 0, 1);
        double floor = options.FinalLearningRateFraction;
        return options.LearningRate * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>Generates problems for several batches, sorts them by length and cuts batches of similar length.</summary>
    private void Refill(Queue<Batch> pool, DemoTaskGenerator generator, Random random, DemoVocabulary vocabulary)
    {
        var problems = Enumerable.Range(0, options.BatchSize * BatchesPerPool).Select(_ => generator.Next())
            .OrderBy(p => p.PromptTokens.Count + p.CompletionTokens.Count).ToList();
        var batches = problems.Chunk(options.BatchSize).Select(chunk => MakeBatch(chunk, vocabulary, random, options.UnknownTokenRate)).ToList();
        foreach (var batch in batches.OrderBy(_ => random.Next())) pool.Enqueue(batch);
    }

    /// <summary>
    /// Inputs are the sequence without its last token, targets without its first; only targets inside the assistant's
    /// completion count. Shorter sequences are padded at the end (causal attention keeps padding out of real rows).
    /// </summary>
    public static Batch MakeBatch(IReadOnlyList<DemoProblem> problems, DemoVocabulary vocabulary, Random? random = null, double unknownRate = 0)
    {
        int length = problems.Max(p => p.PromptTokens.Count + p.CompletionTokens.Count) - 1;
        var inputs = new long[problems.Count * length];
        var targets = new long[problems.Count * length];
        var mask = new float[problems.Count * length];
        for (int b = 0; b < problems.Count; b++)
        {
            var p = problems[b];
            var sequence = p.PromptTokens.Concat(p.CompletionTokens).ToArray();
            for (int i = 0; i < sequence.Length - 1; i++)
            {
                long index = vocabulary.IndexOf(sequence[i]);
                // Only ordinary words become "unknown": numbers and harmony structure must stay readable.
                bool word = !DigitTokens.All.ContainsKey(sequence[i]) && sequence[i] < HarmonyTokens.StartOfText;
                if (word && i < p.PromptTokens.Count && random is not null && random.NextDouble() < unknownRate) index = 0;
                inputs[b * length + i] = index;
                targets[b * length + i] = vocabulary.IndexOf(sequence[i + 1]);
                if (i + 1 >= p.PromptTokens.Count) mask[b * length + i] = 1f;
            }
        }
        return new Batch(
            tensor(inputs, [problems.Count, length]).DetachFromDisposeScope(),
            tensor(targets, [problems.Count, length]).DetachFromDisposeScope(),
            tensor(mask, [problems.Count, length]).DetachFromDisposeScope(),
            problems.Count * length);
    }

    public sealed record Batch(Tensor Inputs, Tensor Targets, Tensor Mask, long TokenCount) : IDisposable
    {
        public void Dispose()
        {
            Inputs.Dispose();
            Targets.Dispose();
            Mask.Dispose();
        }
    }
}
