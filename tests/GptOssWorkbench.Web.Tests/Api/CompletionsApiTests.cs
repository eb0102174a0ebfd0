namespace GptOssWorkbench.Web.Tests.Api;

using System.Net;
using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>POST /v1/completions over raw harmony prompts, against a real host with the tiny random model.</summary>
[Collection(PipelineCollection.Name)]
public sealed class CompletionsApiTests(PipelineHostFixture fixture)
{
    private static List<int> RenderedPrompt() => new HarmonyRenderer().RenderForCompletion(new Conversation([
        HarmonyMessage.System(new SystemContent { ReasoningEffort = GptOssWorkbench.Engine.Harmony.ReasoningEffort.Low }),
        HarmonyMessage.User("What is 2+2?"),
    ]));

    [Fact]
    public async Task A_harmony_text_prompt_is_run_token_for_token_and_answered_as_a_text_completion()
    {
        var (key, user) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        var prompt = RenderedPrompt();

        using var response = await http.PostAsync("/v1/completions", Json(new
        {
            model = TinyModel.Name, prompt = HarmonyTokenizer.Shared.Decode(prompt), max_tokens = 6, temperature = 0, seed = 3, logprobs = 2,
        }));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(6, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(prompt.Count, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        var runId = long.Parse(body.GetProperty("id").GetString()!["cmpl-run".Length..]);
        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        Assert.Equal(RunSource.ApiCompletion, run.Source);
        Assert.Equal(user.Id, run.CreatedByUserId);
        // The special tokens were read as special tokens, not as text: the same ids the renderer made.
        Assert.Equal(RunManifest.HashPromptTokens(prompt), run.Manifest.PromptTokensSha256);
        Assert.Equal(3, run.Manifest.Seed);
        Assert.Equal(2, run.Manifest.TopLogprobs);
        Assert.Equal(JsonValueKind.Object, choice.GetProperty("logprobs").ValueKind);
    }

    [Fact]
    public async Task A_token_id_prompt_streams_text_completion_chunks_and_ends_with_usage_and_DONE()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        var prompt = RenderedPrompt();

        using var response = await http.PostAsync("/v1/completions", Json(new
        {
            model = TinyModel.Name, prompt, max_tokens = 4, stream = true, stream_options = new { include_usage = true },
        }));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(4, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var runId = long.Parse(chunks[0].GetProperty("id").GetString()!["cmpl-run".Length..]);
        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.Equal(RunManifest.HashPromptTokens(prompt), (await db.Runs.SingleAsync(r => r.Id == runId)).Manifest.PromptTokensSha256);
    }

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { """{"model": "tiny-test"}""", "prompt", "'prompt' is required" },
        { """{"model": "tiny-test", "prompt": ""}""", "prompt", "'prompt' is empty" },
        { """{"model": "tiny-test", "prompt": []}""", "prompt", "non-empty" },
        { """{"model": "tiny-test", "prompt": [1, -5]}""", "prompt[1]", "is not a token of the harmony vocabulary" },
        { """{"model": "tiny-test", "prompt": [1, 999999999]}""", "prompt[1]", "is not a token of the harmony vocabulary" },
        { """{"model": "tiny-test", "prompt": [1, "x"]}""", "prompt", "Only one prompt per request" },
        { """{"model": "tiny-test", "prompt": ["a", "b"]}""", "prompt", "Only one prompt per request" },
        { """{"model": "tiny-test", "prompt": "hi", "logprobs": 9}""", "logprobs", "logprobs must be between 0 and 5" },
        { """{"model": "tiny-test", "prompt": "hi", "echo": true}""", "echo", "echo is not supported" },
        { """{"model": "tiny-test", "prompt": "hi", "temperature": 5}""", "temperature", "temperature must be between 0 and 2" },
        { """{"model": "tiny-test", "prompt": "hi", "max_tokens": 0}""", "max_tokens", "max_tokens must be at least 1" },
        { """{"model": "tiny-test", "prompt": "hi", "stop": [1]}""", "stop", "stop must be a string" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_gets_400_in_OpenAI_error_shape_naming_the_field_and_stores_no_run(string json, string param, string message)
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        var before = await CompletionRunsAsync();

        using var response = await http.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Equal(before, await CompletionRunsAsync());
    }

    [Fact]
    public async Task An_unknown_model_gets_404_and_a_viewer_or_missing_key_is_refused_as_for_chat()
    {
        var (reviewer, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        var (viewer, _) = await fixture.Host.CreateKeyAsync(UserRoles.Viewer);
        var body = """{"model": "no-such-model", "prompt": "hi"}""";

        using var unknown = await ApiClients.Http(fixture.Host, reviewer).PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        using var asViewer = await ApiClients.Http(fixture.Host, viewer).PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        using var noKey = await ApiClients.Http(fixture.Host, null).PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (await ErrorOf(unknown)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    private async Task<int> CompletionRunsAsync()
    {
        await using var db = await fixture.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Runs.CountAsync(r => r.Source == RunSource.ApiCompletion);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").Clone();
}
