namespace GptOssWorkbench.Web.Tests.Api;

using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

/// <summary>The /v1 API through the official OpenAI .NET client, against a real host with the tiny random model.</summary>
[Collection(PipelineCollection.Name)]
public sealed class OpenAiApiTests(PipelineHostFixture fixture)
{
    private static readonly ChatCompletionOptions Short = new() { MaxOutputTokenCount = 6, Temperature = 0 };

    [Fact]
    public async Task Lists_the_configured_models()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Viewer);

        var models = (await ApiClients.Models(fixture.Host, key).GetModelsAsync()).Value;

        Assert.Contains(models, m => m.Id == TinyModel.Name);
    }

    [Fact]
    public async Task A_completion_is_answered_and_stored_as_an_api_run_of_the_key_owner()
    {
        var (key, user) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);

        var completion = (await ApiClients.Chat(fixture.Host, key, TinyModel.Name)
            .CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Say hi")], Short)).Value;

        Assert.StartsWith("chatcmpl-run", completion.Id);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason); // 6 random tokens never reach <|return|>
        Assert.Equal(6, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 5);
        var runId = long.Parse(completion.Id["chatcmpl-run".Length..]);
        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        Assert.Equal(RunSource.Api, run.Source);
        Assert.Equal(user.Id, run.CreatedByUserId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("Be brief.", run.Manifest.DeveloperInstructions);
        Assert.Equal(6, run.OutputTokens);
    }

    [Fact]
    public async Task A_streaming_completion_arrives_chunk_by_chunk_and_ends_with_usage()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        var updates = new List<StreamingChatCompletionUpdate>();

        await foreach (var update in ApiClients.Chat(fixture.Host, key, TinyModel.Name).CompleteChatStreamingAsync([new UserChatMessage("Count")], Short))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count >= 3, $"{updates.Count} updates");
        Assert.Equal(ChatFinishReason.Length, updates.Last(u => u.FinishReason is not null).FinishReason);
        Assert.Equal(6, updates.Last(u => u.Usage is not null).Usage.OutputTokenCount);
    }

    [Fact]
    public async Task The_raw_event_stream_uses_chunk_objects_and_ends_with_DONE()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);

        using var response = await http.PostAsync("/v1/chat/completions", Json(new
        {
            model = TinyModel.Name, stream = true, max_tokens = 4, messages = new[] { new { role = "user", content = "hi" } },
        }));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: [DONE]", events[^1]);
        foreach (var e in events[..^1])
        {
            Assert.Equal("chat.completion.chunk", JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("object").GetString());
        }
    }

    [Fact]
    public async Task A_wrong_key_gets_401_in_OpenAI_error_shape()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            ApiClients.Chat(fixture.Host, "gow_not-a-real-key-0000000000000000000", TinyModel.Name).CompleteChatAsync([new UserChatMessage("hi")], Short));
        using var http = ApiClients.Http(fixture.Host, null);
        using var noKey = await http.GetAsync("/v1/models");

        Assert.Equal(401, error.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("invalid_api_key", (await ErrorOf(noKey)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_unknown_model_gets_404_naming_the_model()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            ApiClients.Chat(fixture.Host, key, "no-such-model").CompleteChatAsync([new UserChatMessage("hi")], Short));

        Assert.Equal(404, error.Status);
        var body = JsonDocument.Parse(error.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("model", body.GetProperty("param").GetString());
        Assert.Contains("no-such-model", body.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("n", 2, "n")]
    [InlineData("temperature", 5.0, "temperature")]
    [InlineData("top_p", 0.0, "top_p")]
    [InlineData("max_tokens", 0, "max_tokens")]
    [InlineData("reasoning_effort", "extreme", "reasoning_effort")]
    [InlineData("seed", "abc", "seed")]
    [InlineData("top_logprobs", 3, "top_logprobs")]
    public async Task A_bad_parameter_gets_400_naming_it(string field, object value, string param)
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        var body = new Dictionary<string, object> { ["model"] = TinyModel.Name, ["messages"] = new[] { new { role = "user", content = "hi" } }, [field] = value };

        using var response = await http.PostAsync("/v1/chat/completions", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_bad_message_gets_400_naming_its_position()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);

        using var response = await http.PostAsync("/v1/chat/completions", Json(new
        {
            model = TinyModel.Name, messages = new object[] { new { role = "user", content = "hi" }, new { role = "wizard", content = "x" } },
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("messages[1].role", (await ErrorOf(response)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_with_retry_after()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Viewer, rateLimitPerMinute: 2);
        var (otherKey, _) = await fixture.Host.CreateKeyAsync(UserRoles.Viewer, rateLimitPerMinute: 2);
        using var http = ApiClients.Http(fixture.Host, key);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.GetAsync("/v1/models");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("rate_limit_exceeded", (await ErrorOf(response)).GetProperty("code").GetString());
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }
        using var other = ApiClients.Http(fixture.Host, otherKey);
        using var otherResponse = await other.GetAsync("/v1/models");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode); // the limit is per key
    }

    [Fact]
    public async Task A_body_over_the_size_limit_gets_413()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);

        using var response = await http.PostAsync("/v1/chat/completions", Json(new
        {
            model = TinyModel.Name, messages = new[] { new { role = "user", content = new string('x', 5 * 1024 * 1024) } },
        }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_viewer_key_may_list_models_but_not_create_completions()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Viewer);
        using var http = ApiClients.Http(fixture.Host, key);

        using var models = await http.GetAsync("/v1/models");
        using var chat = await http.PostAsync("/v1/chat/completions", Json(new { model = TinyModel.Name, messages = new[] { new { role = "user", content = "hi" } } }));

        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, chat.StatusCode);
        Assert.Equal("permission_error", (await ErrorOf(chat)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_revoked_key_stops_working()
    {
        var (key, user) = await fixture.Host.CreateKeyAsync(UserRoles.Viewer);
        var keys = fixture.Services.GetRequiredService<GptOssWorkbench.Web.Accounts.ApiKeyService>();
        using var http = ApiClients.Http(fixture.Host, key);
        using var before = await http.GetAsync("/v1/models");

        Assert.True(await keys.RevokeAsync((await keys.ListAsync(user.Id)).Single().Id, user.Id, isAdmin: false));
        using var after = await http.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").Clone();
}
