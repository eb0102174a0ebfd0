namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Tests.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>
/// TorchSharp frees a <c>Scalar</c> in its finalizer and hands libtorch only the raw handle, so a scalar that exists
/// just for one call (an implicit <c>1</c>, <c>eps</c> or the alpha of <c>a + b</c>) can be freed by a garbage
/// collection on another thread while libtorch still reads it. `eval-demo` on the bf16-experts export died of this
/// ("Expected false to be true … toFloat", "Unknown scalar type") and a freed scalar can also silently change a value.
/// A web server allocates on many threads, so generation must give the same tokens while other threads collect.
/// </summary>
public class GenerationUnderGarbageCollectionTests
{
    private static readonly int[] Prompt = [5, 77, 120, 9, 33, 250, 17];

    [Theory]
    [InlineData(CheckpointLayout.HfBf16, ComputePrecision.Float32)]
    [InlineData(CheckpointLayout.HfBf16, ComputePrecision.BFloat16)]
    [InlineData(CheckpointLayout.HfSingle, ComputePrecision.Float32)]
    public void Generation_gives_the_same_tokens_while_other_threads_collect(CheckpointLayout layout, ComputePrecision precision)
    {
        using var folder = new TempDirectory();
        var directory = folder.Sub(layout.Name());
        SyntheticCheckpointWriter.Write(directory, RandomWeights.SmallConfig(layers: 4) with { EosTokenIds = [] }, layout, seed: 31);
        using var weights = CheckpointLoader.Load(directory);
        Assert.Equal(layout == CheckpointLayout.HfSingle, weights.Layers[0].Experts.IsPacked);
        using var model = new GptOssModel(weights, new EngineOptions { Dtype = precision });
        var generator = new TextGenerator(model);
        var options = new SamplingOptions { Temperature = 0, MaxTokens = 40 };
        var quiet = generator.Generate(Prompt, options).Select(t => t.Id).ToList();
        Assert.Equal(40, quiet.Count);

        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            // Back-to-back young-generation collections: every temporary scalar that is already unreachable gets finalized.
            while (!stop.IsCancellationRequested)
            {
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        collector.Start();
        try
        {
            // Before the fix this failed within a few runs; a bounded time keeps the test short on a busy machine.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int runs = 0;
            while (runs < 3 || clock.Elapsed < TimeSpan.FromSeconds(12))
            {
                var busy = generator.Generate(Prompt, options).Select(t => t.Id).ToList();
                Assert.Equal(quiet, busy);
                runs++;
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }
}
