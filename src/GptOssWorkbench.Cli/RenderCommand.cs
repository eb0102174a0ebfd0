namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Text.Json.Nodes;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// `gptoss render --input conversation.json`: renders a conversation (openai_harmony's own JSON) as the prompt for the
/// assistant's next turn; the last line is {"text": "...", "tokens": [...]}.
/// </summary>
public static class RenderCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "Conversation JSON as openai_harmony's Conversation.to_json() writes it",
            Required = true,
        };
        var history = new Option<string>("--history")
        {
            Description = "Earlier analysis: drop (before the last final; default), library (openai-harmony's rule), keep",
            DefaultValueFactory = _ => "drop",
        };
        history.AcceptOnlyFromAmong("drop", "library", "keep");

        var command = new Command("render", "Render a harmony conversation to text and token ids for completion") { input, history };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(input)!;
            string json;
            try
            {
                json = File.ReadAllText(file.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"gptoss render: cannot read {file.FullName}: {e.Message}");
                return 1;
            }
            try
            {
                var conversation = HarmonyJson.Read(json);
                var rule = parse.GetValue(history) switch
                {
                    "library" => AnalysisHistory.HarmonyLibraryCompat,
                    "keep" => AnalysisHistory.KeepAll,
                    _ => AnalysisHistory.DropBeforeLastFinal,
                };
                var renderer = new HarmonyRenderer();
                var tokens = renderer.RenderForCompletion(conversation, rule);
                var result = new JsonObject
                {
                    ["text"] = renderer.Tokenizer.Decode(tokens),
                    ["tokens"] = new JsonArray([.. tokens.Select(t => (JsonNode?)t)]),
                };
                Console.WriteLine(PythonStyleJson.Serialize(result));
                return 0;
            }
            catch (HarmonyJsonException e)
            {
                Console.Error.WriteLine($"gptoss render: {file.Name}: {e.Message}");
                return 1;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"gptoss render: {file.Name}: cannot render: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
