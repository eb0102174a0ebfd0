namespace GptOssWorkbench.Cli;

using System.CommandLine;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Sampling;

/// <summary>
/// `gptoss chat --model DIR`: an interactive harmony chat in the terminal that streams the reasoning (dimmed) and the
/// answer, keeping multi-turn history (earlier turns' analysis is dropped from later prompts). With `--prompt`, one
/// non-interactive turn whose last output line is JSON: the parsed messages in openai_harmony's serialization plus
/// the stop reason and token counts.
/// </summary>
public static class ChatCommand
{
    private const string Dim = "\u001b[2m", Italic = "\u001b[3m", Reset = "\u001b[0m";

    public static Command Create()
    {
        var shared = new ModelCommandOptions(); // --model, --dtype, --device, --threads as in the other model commands
        var effort = new Option<string>("--effort") { Description = "Reasoning effort: low, medium or high", DefaultValueFactory = _ => "medium" };
        effort.AcceptOnlyFromAmong("low", "medium", "high");
        var system = new Option<string?>("--system") { Description = "Model identity line of the system message (default: the trained one)" };
        var developer = new Option<string?>("--developer") { Description = "Developer instructions (persona, rules)" };
        var prompt = new Option<string?>("--prompt") { Description = "Ask one question non-interactively and print the parsed messages as JSON" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per assistant turn", DefaultValueFactory = _ => 1024 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (0 = greedy)", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int?>("--seed") { Description = "Seed for reproducible sampling" };

        var command = new Command("chat", "Chat with a gpt-oss checkpoint in the harmony format");
        foreach (var option in new Option[] { shared.Model, shared.Dtype, shared.Device, shared.Threads, effort, system, developer, prompt,
                     maxTokens, temperature, topP, seed })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => ModelCommandOptions.Guard("gptoss chat", () =>
        {
            var sampling = new SamplingOptions
            {
                Temperature = parse.GetValue(temperature),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
                MaxTokens = parse.GetValue(maxTokens),
                StopTokenIds = [.. HarmonyTokens.SamplerStopIds],
            };
            sampling.Validate();
            var (weights, model) = shared.Load(parse);
            using var _ = weights;
            using var __ = model;
            var generator = new TextGenerator(model);
            TokenStreamer streamer = (promptTokens, stopIds, cancel) =>
                generator.Generate(promptTokens, sampling with { StopTokenIds = [.. stopIds] }, cancellationToken: cancel).Select(t => t.Id);

            var reasoning = Enum.Parse<ReasoningEffort>(parse.GetValue(effort)!, ignoreCase: true);
            var chat = new HarmonyChat(streamer, HarmonyChat.NewConversation(reasoning, parse.GetValue(system), parse.GetValue(developer)));
            return parse.GetValue(prompt) is { } question ? OneTurn(chat, question) : Interactive(chat);
        }));
        return command;
    }

    private static int OneTurn(HarmonyChat chat, string question)
    {
        var turn = chat.Ask(question);
        foreach (var warning in turn.Warnings) Console.Error.WriteLine($"warning: {warning}");
        var json = HarmonyJson.ToNode(new Conversation(turn.Messages));
        json["stop"] = turn.StoppedBy?.ToString().ToLowerInvariant();
        json["prompt_tokens"] = turn.PromptTokens;
        json["generated_tokens"] = turn.GeneratedTokens;
        Console.WriteLine(PythonStyleJson.Serialize(json));
        return 0;
    }

    private static int Interactive(HarmonyChat chat)
    {
        var styled = !Console.IsOutputRedirected;
        Console.WriteLine("gptoss chat: type a message, or 'exit' to quit. Reasoning is shown dimmed.");
        while (true)
        {
            Console.Write("> ");
            var line = Console.ReadLine();
            if (line is null || line.Trim() is "exit" or "quit") return 0;
            if (line.Trim().Length == 0) continue;

            var turn = chat.Ask(line, e => Show(e, styled));
            Console.WriteLine();
            if (turn.ToolCall is { } call)
            {
                // No tools are wired into the terminal chat; the call stays in history without a result.
                Console.WriteLine($"[the model called {call.Recipient}; gptoss chat runs no tools]");
            }
            else if (turn.StoppedBy is null)
            {
                Console.WriteLine("[turn ended without <|return|>: token limit reached]");
            }
        }
    }

    private static void Show(HarmonyEvent e, bool styled)
    {
        switch (e)
        {
            case MessageStarted start:
                // Reasoning dimmed, commentary (preambles, tool calls) italic, the final answer plain.
                if (styled && start.Channel == Channels.Analysis) Console.Write(Dim);
                if (styled && start.Channel == Channels.Commentary) Console.Write(Italic);
                if (start.Recipient is { } to) Console.Write($"[{start.Channel} → {to}] ");
                else if (start.Channel != Channels.Final) Console.Write($"[{start.Channel ?? "no channel"}] ");
                break;
            case ContentDelta delta:
                Console.Write(delta.Text);
                break;
            case MessageEnded:
                if (styled) Console.Write(Reset);
                Console.WriteLine();
                break;
            case ParseWarning warning:
                Console.Error.WriteLine($"warning: {warning.Text}");
                break;
        }
    }
}
