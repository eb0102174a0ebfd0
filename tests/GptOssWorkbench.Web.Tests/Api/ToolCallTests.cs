namespace GptOssWorkbench.Web.Tests.Api;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Api;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenAI.Chat;

/// <summary>
/// Function calling. A random model cannot be made to call a tool, so the harmony → tool_calls mapping is tested
/// with a scripted token stream through the pipeline's own output parser, and the client round trip checks that
/// tools, calls and tool results reach the stored run and its rendered harmony prompt.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ToolCallTests(PipelineHostFixture fixture)
{
    private static readonly BinaryData WeatherSchema = BinaryData.FromString(
        """{"type":"object","properties":{"city":{"type":"string","description":"City name"}},"required":["city"]}""");

    [Fact]
    public void A_harmony_call_to_a_function_becomes_an_openai_tool_call_next_to_the_reasoning()
    {
        var tokenizer = HarmonyTokenizer.Shared;
        var run = new Run { Id = 41 };
        var deltas = new List<RunDelta>();
        var updates = new RunUpdates(NullLogger<RunUpdates>.Instance);
        using var subscription = updates.Subscribe(41, u => { if (u is RunDelta d) deltas.Add(d); });
        var output = new RunOutput(run, replyToOrder: 0, DateTime.UtcNow, tokenizer, updates);
        // What the model writes after "<|start|>assistant": reasoning, then a call addressed to functions.get_weather.
        var scripted = tokenizer.EncodeWithSpecials(
            "<|channel|>analysis<|message|>Need the weather.<|end|>" +
            "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Paris\"}<|call|>");

        foreach (var token in scripted) output.Feed(token);
        output.Finish();
        var (reasoning, content, calls) = ChatCompletions.Output(run.Id, output.Snapshot());

        Assert.True(output.StoppedByCall);
        Assert.Equal("Need the weather.", reasoning);
        Assert.Equal("", content);
        var call = Assert.Single(calls);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("{\"city\":\"Paris\"}", call.Arguments);
        Assert.Equal("call_41_1", call.Id);
        // The stream carries the same call: the deltas of message 1 are addressed to the function.
        Assert.Equal("{\"city\":\"Paris\"}", string.Concat(deltas.Where(d => d.MessageIndex == 1).Select(d => d.Text)));
        Assert.All(deltas.Where(d => d.MessageIndex == 1), d => Assert.True(ToolCalls.IsCall(d.Recipient)));
    }

    [Fact]
    public void Reasoning_and_an_answer_without_calls_map_to_reasoning_content_and_content()
    {
        var tokenizer = HarmonyTokenizer.Shared;
        var run = new Run { Id = 7 };
        var output = new RunOutput(run, 0, DateTime.UtcNow, tokenizer, new RunUpdates(NullLogger<RunUpdates>.Instance));

        foreach (var token in tokenizer.EncodeWithSpecials(
            "<|channel|>analysis<|message|>Simple.<|end|><|start|>assistant<|channel|>final<|message|>Hello <b>there</b><|return|>"))
            output.Feed(token);
        output.Finish();
        var (reasoning, content, calls) = ChatCompletions.Output(run.Id, output.Snapshot());

        Assert.Equal("Simple.", reasoning);
        Assert.Equal("Hello <b>there</b>", content);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task Tools_calls_and_results_sent_by_the_client_reach_the_stored_run_and_its_harmony_prompt()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Current weather of a city", WeatherSchema));
        ChatMessage[] messages =
        [
            new UserChatMessage("Weather in Paris?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_9_1", "get_weather", BinaryData.FromString("{\"city\":\"Paris\"}"))]),
            new ToolChatMessage("call_9_1", "{\"temp_c\":21}"),
        ];

        var completion = (await ApiClients.Chat(fixture.Host, key, TinyModel.Name).CompleteChatAsync(messages, options)).Value;

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        var runId = long.Parse(completion.Id["chatcmpl-run".Length..]);
        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        Assert.Contains("get_weather", run.Manifest.ToolsJson);
        var prompt = HarmonyTokenizer.Shared.Decode(new HarmonyRenderer().RenderForCompletion(await RunPrompt.BuildAsync(db, run, default)));
        Assert.Contains("namespace functions", prompt);
        Assert.Contains("type get_weather = (_: {", prompt);
        // In history the recipient follows the role (harmony spec), and a call ends with <|call|>.
        Assert.Contains("<|start|>assistant to=functions.get_weather<|channel|>commentary<|message|>{\"city\":\"Paris\"}<|call|>", prompt);
        Assert.Contains("<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"temp_c\":21}<|end|>", prompt);
    }

    [Fact]
    public async Task A_tool_result_for_an_unknown_call_id_and_a_forced_tool_choice_are_400_naming_the_param()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        var chat = ApiClients.Chat(fixture.Host, key, TinyModel.Name);
        var forced = new ChatCompletionOptions { ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        forced.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather", WeatherSchema));

        var unknownId = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() =>
            chat.CompleteChatAsync([new UserChatMessage("hi"), new ToolChatMessage("call_nope", "{}")]));
        var required = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() =>
            chat.CompleteChatAsync([new UserChatMessage("hi")], forced));

        Assert.Equal(400, unknownId.Status);
        Assert.Contains("\"param\":\"messages[1].tool_call_id\"", unknownId.GetRawResponse()!.Content.ToString());
        Assert.Equal(400, required.Status);
        Assert.Contains("\"param\":\"tool_choice\"", required.GetRawResponse()!.Content.ToString());
    }
}
