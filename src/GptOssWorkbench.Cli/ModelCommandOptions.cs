namespace GptOssWorkbench.Cli;

using System.CommandLine;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>The options every model-running command shares (--model, --tokens, --dtype, --device, --threads) and loading.</summary>
internal sealed class ModelCommandOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "Checkpoint folder (any supported layout)", Required = true };
    public Option<string> Tokens { get; } = new("--tokens") { Description = "Prompt token ids, comma separated, e.g. 1,2,3", Required = true };
    public Option<string> Dtype { get; } = new("--dtype") { Description = "fp32 (reference precision) or bf16 (faster)", DefaultValueFactory = _ => "fp32" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads for libtorch (0 = auto: 1 for tiny models, else libtorch's default)", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Tokens, Dtype, Device, Threads }) command.Options.Add(option);
    }

    public int[] ParseTokens(ParseResult parse) => ParseIds(parse.GetValue(Tokens)!, "--tokens", allowEmpty: false);

    /// <summary>Loads the checkpoint and builds the model; the caller disposes both.</summary>
    public (ModelWeights Weights, GptOssModel Model) Load(ParseResult parse)
    {
        var dtype = EngineOptions.ParsePrecision(parse.GetValue(Dtype)!);
        var weights = CheckpointLoader.Load(parse.GetValue(Model)!);
        try
        {
            var options = new EngineOptions { Dtype = dtype, Device = parse.GetValue(Device)!, Threads = ThreadsFor(weights.Config, parse.GetValue(Threads)) };
            return (weights, new GptOssModel(weights, options));
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Tiny test models gain nothing from intra-op threads, and on a busy machine libtorch's spinning worker
    /// threads made a 3-token forward take over a second instead of ~0.2 s; these commands are run many times.
    /// </summary>
    private static int ThreadsFor(ModelConfig config, int requested) => requested > 0 ? requested : config.HiddenSize < 1024 ? 1 : 0;

    public static int[] ParseIds(string text, string option, bool allowEmpty)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 && !allowEmpty) throw new ArgumentException($"{option} needs at least one token id.");
        return parts.Select(part => int.TryParse(part, out var id) && id >= 0
            ? id
            : throw new ArgumentException($"{option}: '{part}' is not a token id (a non-negative integer).")).ToArray();
    }

    /// <summary>Runs a command body, turning expected failures into a message on stderr and exit code 1.</summary>
    public static int Guard(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or CheckpointException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            return 1;
        }
    }
}
