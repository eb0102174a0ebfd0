namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>`gptoss make-model`: writes a reproducible synthetic checkpoint (random weights) in any layout.</summary>
public static class MakeModelCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = $"Model shape: {string.Join(", ", ModelPresets.Names)}", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write the checkpoint into (created if missing)", Required = true };
        var layout = new Option<string>("--layout") { Description = "hf, hf-sharded, original or hf-bf16", DefaultValueFactory = _ => "hf" };
        var layers = new Option<int?>("--layers") { Description = "Number of layers (default: the preset's depth)" };
        var seed = new Option<long>("--seed") { Description = "Random seed; the same seed writes byte-identical files", DefaultValueFactory = _ => 0 };

        var command = new Command("make-model", "Write a synthetic gpt-oss checkpoint with random weights");
        foreach (var option in new Option[] { preset, output, layout, layers, seed }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            try
            {
                var config = ModelPresets.Get(parse.GetValue(preset)!, parse.GetValue(layers));
                var chosenLayout = CheckpointLayoutNames.Parse(parse.GetValue(layout)!);
                var directory = Path.GetFullPath(parse.GetValue(output)!);
                var clock = Stopwatch.StartNew();
                SyntheticCheckpointWriter.Write(directory, config, chosenLayout, parse.GetValue(seed));
                var bytes = Directory.GetFiles(directory).Sum(f => new FileInfo(f).Length);
                Console.WriteLine($"Wrote {chosenLayout.Name()} checkpoint ({config.NumLayers} layers, {bytes / 1e6:F1} MB) to {directory} in {clock.Elapsed.TotalSeconds:F1} s");
                Console.WriteLine(JsonSerializer.Serialize(new { directory, layout = chosenLayout.Name(), layers = config.NumLayers, bytes, seconds = clock.Elapsed.TotalSeconds }));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"make-model: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
