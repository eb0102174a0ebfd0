namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>
/// `gptoss inspect`: loads a checkpoint (validating every tensor's name, shape and dtype) and reports its layout,
/// config, sizes and a memory estimate; the last stdout line is JSON.
/// </summary>
public static class InspectCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint folder", Required = true };
        var command = new Command("inspect", "Validate a checkpoint and show its layout, config, sizes and memory estimate");
        command.Options.Add(model);
        command.SetAction(parse =>
        {
            try
            {
                var clock = Stopwatch.StartNew();
                TorchRuntime.EnsureLoaded();
                var torchSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var info = CheckpointLoader.Inspect(Path.GetFullPath(parse.GetValue(model)!));
                var loadSeconds = clock.Elapsed.TotalSeconds;
                PrintHuman(info, torchSeconds, loadSeconds);
                Console.WriteLine(JsonSerializer.Serialize(ToJson(info, torchSeconds, loadSeconds), Json));
                return 0;
            }
            catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"inspect: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static void PrintHuman(CheckpointInfo info, double torchSeconds, double loadSeconds)
    {
        var c = info.Config;
        Console.WriteLine($"Checkpoint {info.Root}");
        Console.WriteLine($"  layout     {info.Layout.Name()}, {info.Files.Count} file(s), {info.TensorCount} tensors, loaded in {loadSeconds * 1000:F0} ms (+ {torchSeconds * 1000:F0} ms libtorch start-up)");
        Console.WriteLine($"  model      {c.NumLayers} layers, {c.NumExperts} experts (top {c.ExpertsPerToken}), H {c.HiddenSize}, I {c.IntermediateSize}, heads {c.NumAttentionHeads}/{c.NumKeyValueHeads}x{c.HeadDim}, vocab {c.VocabSize}, window {c.SlidingWindow}");
        foreach (var (dtype, bytes) in info.BytesByDType) Console.WriteLine($"  {dtype,-10} {bytes / 1e6,12:F1} MB");
        Console.WriteLine($"  memory     weights {info.WeightBytes / 1e9:F3} GB resident + {info.KvBytesPerToken() / 1024.0:F1} KiB KV per token + {info.SlidingKvBytesPerSequence() / 1048576.0:F2} MiB sliding KV per sequence (bf16)");
        Console.WriteLine($"  fingerprint {info.Fingerprint}");
    }

    private static object ToJson(CheckpointInfo info, double torchSeconds, double loadSeconds) => new
    {
        layout = info.Layout.Name(),
        directory = info.Directory,
        root = info.Root,
        files = info.Files,
        tensorCount = info.TensorCount,
        bytesByDtype = info.BytesByDType,
        fingerprint = info.Fingerprint,
        config = info.Config,
        memory = new
        {
            weightBytes = info.WeightBytes,
            kvBytesPerToken = info.KvBytesPerToken(),
            slidingKvBytesPerSequence = info.SlidingKvBytesPerSequence(),
        },
        torchStartSeconds = torchSeconds,
        loadSeconds,
    };
}
