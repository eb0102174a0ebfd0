namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Globalization;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// `gptoss parse --tokens 1,2,3` or `--text "..."`: parses model output (or any harmony token sequence) into messages,
/// printed last as openai_harmony's conversation JSON. Warnings about malformed output go to stderr.
/// </summary>
public static class ParseCommand
{
    public static Command Create()
    {
        var tokens = new Option<string>("--tokens") { Description = "Token ids separated by commas or spaces" };
        var text = new Option<string>("--text") { Description = "Harmony text; special-token strings become special tokens" };
        var strict = new Option<bool>("--strict") { Description = "Fail on malformed output instead of repairing it" };

        var command = new Command("parse", "Parse harmony tokens or text into messages (JSON)") { tokens, text, strict };
        command.SetAction(parse =>
        {
            var tokenList = parse.GetValue(tokens);
            var textValue = parse.GetValue(text);
            if (tokenList is null == textValue is null)
            {
                Console.Error.WriteLine("gptoss parse: give exactly one of --tokens or --text");
                return 2;
            }
            var tokenizer = HarmonyTokenizer.Shared;
            List<int> ids;
            try
            {
                ids = textValue is not null ? [.. tokenizer.EncodeWithSpecials(textValue)] : ParseIds(tokenList!);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"gptoss parse: --tokens: {e.Message}");
                return 1;
            }

            // Output that starts with <|start|> carries its own headers; anything else is a completion that continues
            // the prompt's trailing "<|start|>assistant".
            Role? presetRole = ids.Count > 0 && ids[0] == HarmonyTokens.Start ? null : Role.Assistant;
            try
            {
                var result = HarmonyStreamParser.Parse(ids, tokenizer, presetRole, parse.GetValue(strict));
                foreach (var warning in result.Warnings) Console.Error.WriteLine($"warning: {warning}");
                Console.WriteLine(HarmonyJson.WriteMessages(result.Messages));
                return 0;
            }
            catch (HarmonyParseException e)
            {
                Console.Error.WriteLine($"gptoss parse: malformed harmony output: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static List<int> ParseIds(string list)
    {
        var items = list.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        var ids = new List<int>(items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            if (!int.TryParse(items[i], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id >= HarmonyTokens.VocabularySize)
            {
                throw new FormatException($"item {i + 1} \"{items[i]}\" is not a token id (0..{HarmonyTokens.VocabularySize - 1})");
            }
            ids.Add(id);
        }
        return ids;
    }
}
