namespace GptOssWorkbench.Engine.Tests.Harmony;

using GptOssWorkbench.Engine.Harmony;

public class HarmonyChatTests
{
    private static HarmonyTokenizer Tokenizer => HarmonyTokenizer.Shared;

    /// <summary>A stand-in for the engine: replies with scripted model outputs and records the prompts it got.</summary>
    private sealed class ScriptedModel(params string[] outputs)
    {
        private int _next;
        public List<string> Prompts { get; } = [];
        public List<IReadOnlySet<int>> StopSets { get; } = [];

        public IEnumerable<int> Generate(IReadOnlyList<int> prompt, IReadOnlySet<int> stopIds, CancellationToken _)
        {
            Prompts.Add(Tokenizer.Decode(prompt));
            StopSets.Add(stopIds);
            // Like a sampler: everything up to and including the first stop id.
            foreach (var token in Tokenizer.EncodeWithSpecials(outputs[_next++]))
            {
                yield return token;
                if (stopIds.Contains(token)) yield break;
            }
        }
    }

    [Fact]
    public void Two_turns_keep_full_history_but_drop_the_first_turns_analysis_from_the_second_prompt()
    {
        var model = new ScriptedModel(
            "<|channel|>analysis<|message|>Add them.<|end|><|start|>assistant<|channel|>final<|message|>4<|return|>",
            "<|channel|>analysis<|message|>Divide.<|end|><|start|>assistant<|channel|>final<|message|>4.5<|return|>");
        var chat = new HarmonyChat(model.Generate, HarmonyChat.NewConversation(ReasoningEffort.Low, today: new DateOnly(2025, 6, 28)));

        var first = chat.Ask("What is 2 + 2?");
        var second = chat.Ask("And 9 / 2?");

        Assert.Equal("4", first.FinalAnswer);
        Assert.Equal(StopReason.Return, first.StoppedBy);
        Assert.Equal("4.5", second.FinalAnswer);
        Assert.StartsWith("<|start|>system<|message|>You are ChatGPT", model.Prompts[0]);
        Assert.Contains("Current date: 2025-06-28\n\nReasoning: low", model.Prompts[0]);
        Assert.EndsWith("<|start|>user<|message|>What is 2 + 2?<|end|><|start|>assistant", model.Prompts[0]);
        Assert.DoesNotContain("Add them.", model.Prompts[1]);
        Assert.EndsWith("<|start|>assistant<|channel|>final<|message|>4<|end|><|start|>user<|message|>And 9 / 2?<|end|><|start|>assistant", model.Prompts[1]);
        Assert.Equal(7, chat.History.Messages.Count); // system, user, analysis, final, user, analysis, final
        Assert.All(model.StopSets, s => Assert.Equal(new HashSet<int> { 200002, 200012, 199999 }, s));
    }

    [Fact]
    public void Tool_call_turn_stops_at_call_and_the_continuation_keeps_the_running_analysis()
    {
        var model = new ScriptedModel(
            "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Oslo\"}<|call|>",
            "<|channel|>final<|message|>Rainy.<|return|>");
        var chat = new HarmonyChat(model.Generate, HarmonyChat.NewConversation(ReasoningEffort.Medium, developerInstructions: "Be brief."));
        var events = new List<HarmonyEvent>();

        var call = chat.Ask("Weather in Oslo?", events.Add);
        Assert.Equal(StopReason.Call, call.StoppedBy);
        Assert.Equal("functions.get_weather", call.ToolCall!.Recipient);
        Assert.Equal("{\"city\":\"Oslo\"}", call.ToolCall.Text);
        Assert.Single(events.OfType<ToolCallCompleted>());

        var answer = chat.AnswerToolCall("functions.get_weather", "{\"sky\":\"rain\"}");
        Assert.Equal("Rainy.", answer.FinalAnswer);
        Assert.Contains("<|start|>developer<|message|># Instructions\n\nBe brief.<|end|>", model.Prompts[1]);
        Assert.EndsWith("<|start|>assistant<|channel|>analysis<|message|>Need weather.<|end|>" +
            "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\":\"Oslo\"}<|call|>" +
            "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"sky\":\"rain\"}<|end|><|start|>assistant", model.Prompts[1]);
    }

    [Fact]
    public void Output_cut_off_by_the_token_limit_is_kept_as_an_incomplete_message()
    {
        var model = new ScriptedModel("<|channel|>final<|message|>The answer is");
        var chat = new HarmonyChat(model.Generate, HarmonyChat.NewConversation(ReasoningEffort.High));

        var turn = chat.Ask("?");

        Assert.Null(turn.StoppedBy);
        Assert.Equal("The answer is", Assert.Single(turn.Messages).Text);
        Assert.NotEmpty(turn.Warnings);
    }
}
