namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine.Sampling;

/// <summary>`gptoss generate`: continue a token prompt; prints {"tokens": [...]} (new tokens only) as the last stdout line.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var shared = new ModelCommandOptions();
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy (ties to the lowest id)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int?>("--seed") { Description = "Sampling seed; the same seed repeats the same tokens" };
        var topP = new Option<double>("--top-p") { Description = "Nucleus mass, 1 = off", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Keep the k most likely tokens, 0 = off", DefaultValueFactory = _ => 0 };
        var minP = new Option<double>("--min-p") { Description = "Drop tokens below this fraction of the top probability, 0 = off", DefaultValueFactory = _ => 0 };
        var repetition = new Option<double>("--repetition-penalty") { Description = "1 = off", DefaultValueFactory = _ => 1.0 };
        var frequency = new Option<double>("--frequency-penalty") { DefaultValueFactory = _ => 0 };
        var presence = new Option<double>("--presence-penalty") { DefaultValueFactory = _ => 0 };
        var stop = new Option<string>("--stop") { Description = "Extra stop token ids, comma separated (the checkpoint's eos ids always stop)", DefaultValueFactory = _ => "" };

        var command = new Command("generate", "Generate tokens after a token prompt; prints {\"tokens\": [...]}");
        shared.AddTo(command);
        foreach (var option in new Option[] { maxTokens, temperature, seed, topP, topK, minP, repetition, frequency, presence, stop }) command.Options.Add(option);
        command.SetAction(parse => ModelCommandOptions.Guard("generate", () =>
        {
            var prompt = shared.ParseTokens(parse);
            var stopIds = ModelCommandOptions.ParseIds(parse.GetValue(stop)!, "--stop", allowEmpty: true);
            var clock = Stopwatch.StartNew();
            var (weights, model) = shared.Load(parse);
            using var _ = weights;
            using var __ = model;
            var options = new SamplingOptions
            {
                MaxTokens = parse.GetValue(maxTokens),
                Temperature = parse.GetValue(temperature),
                Seed = parse.GetValue(seed),
                TopP = parse.GetValue(topP),
                TopK = parse.GetValue(topK),
                MinP = parse.GetValue(minP),
                RepetitionPenalty = parse.GetValue(repetition),
                FrequencyPenalty = parse.GetValue(frequency),
                PresencePenalty = parse.GetValue(presence),
                StopTokenIds = model.Config.EosTokenIds.Concat(stopIds).Distinct().ToArray(),
            };
            var loaded = clock.Elapsed;
            var produced = new List<int>();
            FinishReason? finish = null;
            foreach (var token in new TextGenerator(model).Generate(prompt, options))
            {
                produced.Add(token.Id);
                finish = token.Finish;
            }
            var seconds = (clock.Elapsed - loaded).TotalSeconds;
            Console.Error.WriteLine($"generate: {produced.Count} tokens ({finish?.ToString().ToLowerInvariant() ?? "none"}), {model.ComputeType}, load {loaded.TotalMilliseconds:F0} ms, {produced.Count / Math.Max(seconds, 1e-9):F1} tokens/s");
            Console.WriteLine(JsonSerializer.Serialize(new { tokens = produced }));
            return 0;
        }));
        return command;
    }
}
