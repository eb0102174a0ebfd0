namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine.Model;

/// <summary>`gptoss logits`: one row of vocabulary logits per prompt position, as JSON on the last stdout line.</summary>
public static class LogitsCommand
{
    public static Command Create()
    {
        var shared = new ModelCommandOptions();
        var command = new Command("logits", "Print the logits of every prompt position as JSON {\"logits\": [[...], ...]}");
        shared.AddTo(command);
        command.SetAction(parse => ModelCommandOptions.Guard("logits", () =>
        {
            var tokens = shared.ParseTokens(parse);
            var clock = Stopwatch.StartNew();
            var (weights, model) = shared.Load(parse);
            using var _ = weights;
            using var __ = model;
            var loaded = clock.Elapsed;
            var rows = model.ScoreAllPositions(tokens);
            Console.Error.WriteLine($"logits: {tokens.Length} positions × {model.Config.VocabSize} ids, {model.ComputeType}, load {loaded.TotalMilliseconds:F0} ms, forward {(clock.Elapsed - loaded).TotalMilliseconds:F0} ms");
            WriteJson(rows);
            return 0;
        }));
        return command;
    }

    private static void WriteJson(float[][] rows)
    {
        for (int p = 0; p < rows.Length; p++)
        {
            int bad = Array.FindIndex(rows[p], x => !float.IsFinite(x));
            if (bad >= 0) throw new InvalidOperationException($"non-finite logit {rows[p][bad]} at position {p}, id {bad}");
        }
        using var stdout = Console.OpenStandardOutput();
        using (var json = new Utf8JsonWriter(stdout))
        {
            json.WriteStartObject();
            json.WriteStartArray("logits");
            foreach (var row in rows)
            {
                json.WriteStartArray();
                foreach (var x in row) json.WriteNumberValue(x);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        stdout.Write("\n"u8);
    }
}
