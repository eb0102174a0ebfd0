namespace GptOssWorkbench.Web.Tests.Api;

using System.Net;
using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Pipeline.Branches;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>The chat completions extension <c>continue_final_message</c>: a partial analysis in the last assistant message is continued.</summary>
[Collection(PipelineCollection.Name)]
public sealed class ContinueReasoningApiTests(PipelineHostFixture fixture)
{
    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static object Body(object last, bool continueFinal = true) => new Dictionary<string, object>
    {
        ["model"] = TinyModel.Name, ["max_tokens"] = 8, ["seed"] = 5, ["logprobs"] = true, ["continue_final_message"] = continueFinal,
        ["messages"] = new[] { new Dictionary<string, object> { ["role"] = "user", ["content"] = "What is 2 + 2?" }, last },
    };

    [Fact]
    public async Task A_last_assistant_message_with_reasoning_content_is_continued_in_the_same_analysis_message()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        const string partial = "Two plus two is";

        using var response = await http.PostAsync("/v1/chat/completions",
            Json(Body(new Dictionary<string, object> { ["role"] = "assistant", ["reasoning_content"] = partial })));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith(partial, completion.GetProperty("choices")[0].GetProperty("message").GetProperty("reasoning_content").GetString(), StringComparison.Ordinal);
        var runId = long.Parse(completion.GetProperty("id").GetString()!["chatcmpl-run".Length..]);
        await using var db = await fixture.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Logprobs).Include(r => r.Messages).SingleAsync(r => r.Id == runId);
        // The prompt ends at <|start|>assistant; the output starts with the open analysis message, then the model's tokens.
        var prefix = BranchService.AnalysisPrefix(partial);
        var tokens = run.Logprobs!.Read().Select(t => t.TokenId).ToList();
        Assert.Equal(prefix, tokens[..prefix.Count]);
        Assert.True(tokens.Count > prefix.Count);
        Assert.Equal(prefix, run.Manifest.ForcedPrefixTokenIds);
        // The partial message was not stored as a prompt message of the conversation: only the user's is.
        Assert.Equal(1, await db.Messages.CountAsync(m => m.ConversationId == run.ConversationId && m.RunId == null));
    }

    [Theory]
    [InlineData("user", "Two", null, "messages[1].role", "last message to be an assistant message")]
    [InlineData("assistant", null, null, "messages[1].reasoning_content", "needs reasoning_content")]
    [InlineData("assistant", "Two", "Four.", "messages[1]", "must have no content or tool_calls")]
    [InlineData("assistant", "Two<|end|>", null, "messages[1].reasoning_content", "harmony control token")]
    public async Task A_continue_request_without_a_continuable_last_message_gets_400_naming_it(string role, string? reasoning, string? content, string param, string says)
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        var last = new Dictionary<string, object> { ["role"] = role };
        if (reasoning is not null) last["reasoning_content"] = reasoning;
        last["content"] = content ?? "";

        using var response = await http.PostAsync("/v1/chat/completions", Json(Body(last)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
