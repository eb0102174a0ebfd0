namespace GptOssWorkbench.Web.Tests.Accounts;

using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Tests.Api;
using GptOssWorkbench.Web.Tests.Remote;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The /v1 API follows the key owner's role: with reviewers' reasoning Hidden, a reviewer's key gets no
/// reasoning_content (streaming or not) for the same request that an admin's key gets it for. The replay server
/// answers like vLLM with a known reasoning text, so there is reasoning to hide.
/// </summary>
public sealed class ReasoningVisibilityApiTests : IClassFixture<RemoteReplayFixture>
{
    private const string Model = "vllm-chat";
    private readonly RemoteReplayFixture fixture;

    public ReasoningVisibilityApiTests(RemoteReplayFixture fixture)
    {
        this.fixture = fixture;
        fixture.Server.Script(Model, c => c.StreamAsync(ServerShapes.Vllm(Model)));
    }

    private async Task SetReviewerVisibilityAsync(ReasoningVisibility visibility)
    {
        await using var scope = fixture.Host.Services.CreateAsyncScope();
        var admin = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, UserRoles.Admin)], "test"));
        Assert.Null(await scope.ServiceProvider.GetRequiredService<ReasoningVisibilityPolicy>().SetAsync(admin, UserRoles.Reviewer, visibility));
    }

    private static JsonContent Request(bool stream) => JsonContent.Create(new
    {
        model = Model, stream, max_tokens = 50, messages = new[] { new { role = "user", content = "What is 2+2?" } },
    });

    private async Task<JsonElement> CompleteAsync(string key)
    {
        using var http = ApiClients.Http(fixture.Host, key);
        using var response = await http.PostAsync("/v1/chat/completions", Request(stream: false));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").Clone();
    }

    private async Task<string> StreamAsync(string key)
    {
        using var http = ApiClients.Http(fixture.Host, key);
        using var response = await http.PostAsync("/v1/chat/completions", Request(stream: true));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return body;
    }

    /// <summary>The answer text a client assembles from the content deltas of an event stream.</summary>
    private static string StreamedContent(string events) => string.Concat(events
        .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
        .Where(e => e.StartsWith("data: {", StringComparison.Ordinal))
        .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices"))
        .Where(choices => choices.GetArrayLength() > 0 && choices[0].TryGetProperty("delta", out var delta)
            && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
        .Select(choices => choices[0].GetProperty("delta").GetProperty("content").GetString()));

    [Fact]
    public async Task A_reviewer_key_gets_no_reasoning_content_when_reviewers_reasoning_is_hidden_while_an_admin_key_does()
    {
        var (adminKey, _) = await fixture.Host.CreateKeyAsync(UserRoles.Admin);
        var (reviewerKey, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        await SetReviewerVisibilityAsync(ReasoningVisibility.Hidden);
        try
        {
            var forAdmin = await CompleteAsync(adminKey);
            var forReviewer = await CompleteAsync(reviewerKey);
            var adminStream = await StreamAsync(adminKey);
            var reviewerStream = await StreamAsync(reviewerKey);

            Assert.Equal(ServerShapes.ReasoningText, forAdmin.GetProperty("reasoning_content").GetString());
            Assert.False(forReviewer.TryGetProperty("reasoning_content", out _), forReviewer.GetRawText());
            Assert.Equal(ServerShapes.AnswerText, forReviewer.GetProperty("content").GetString());
            Assert.Contains("reasoning_content", adminStream);
            Assert.DoesNotContain("reasoning_content", reviewerStream);
            Assert.DoesNotContain("asks 2+2", reviewerStream);
            Assert.Equal(ServerShapes.AnswerText, StreamedContent(reviewerStream));
        }
        finally
        {
            await SetReviewerVisibilityAsync(ReasoningVisibility.Shown);
        }
    }

    [Fact]
    public async Task Collapsed_reasoning_is_still_sent_to_api_clients_which_cannot_collapse_it()
    {
        var (reviewerKey, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        await SetReviewerVisibilityAsync(ReasoningVisibility.Collapsed);
        try
        {
            var message = await CompleteAsync(reviewerKey);

            Assert.Equal(ServerShapes.ReasoningText, message.GetProperty("reasoning_content").GetString());
        }
        finally
        {
            await SetReviewerVisibilityAsync(ReasoningVisibility.Shown);
        }
    }
}
