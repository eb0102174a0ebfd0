namespace GptOssWorkbench.Web.Tests.Api;

using System.Net;
using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

/// <summary>
/// The trained demo model (it really answers, so there are final-channel tokens to report), behind a real host.
/// </summary>
public sealed class DemoModelHostFixture : IAsyncLifetime
{
    public WorkbenchHost Host { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Models:CreateDemoModel"] = "true" });
        var catalog = Host.Services.GetRequiredService<ModelCatalog>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((await catalog.ListAsync()).Count == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The demo model was not installed.");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Test classes that start a host with the trained demo model. They run one after the other: two such hosts started
/// at once in one test process have left a run queued and never claimed: the job servers created jobs with Hangfire's
/// process-global activator, i.e. with the other host's services (fixed in JobsExtensions; see Jobs/TwoHostsTests).
/// </summary>
[CollectionDefinition(Name)]
public sealed class DemoModelHostsCollection
{
    public const string Name = "Demo model hosts";
}

/// <summary>logprobs/top_logprobs through the official OpenAI client: the values are real log-probabilities of the answer tokens.</summary>
[Collection(DemoModelHostsCollection.Name)]
public sealed class LogprobsApiTests(DemoModelHostFixture fixture) : IClassFixture<DemoModelHostFixture>
{
    private static ChatCompletionOptions Greedy(int top) =>
        new() { MaxOutputTokenCount = 256, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = top };

    [Fact]
    public async Task A_completion_returns_the_answer_tokens_logprobs_with_sorted_alternatives()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);

        var completion = (await ApiClients.Chat(fixture.Host, key, DemoModel.Name)
            .CompleteChatAsync([new UserChatMessage("What is 12 + 7?")], Greedy(top: 5))).Value;

        var tokens = completion.ContentTokenLogProbabilities;
        Assert.NotEmpty(tokens);
        // The reported tokens are exactly the answer: their bytes spell the returned content.
        Assert.Equal(Encoding.UTF8.GetBytes(completion.Content[0].Text), tokens.SelectMany(t => t.Utf8Bytes!.Value.ToArray()).ToArray());
        foreach (var token in tokens)
        {
            AssertConsistent(token.Token, token.LogProbability, token.TopLogProbabilities.Select(t => (t.Token, t.LogProbability)).ToList(), 5);
            // Greedy decoding picks the most likely token.
            Assert.Equal(token.TopLogProbabilities[0].Token, token.Token);
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability);
        }

        var runId = long.Parse(completion.Id["chatcmpl-run".Length..]);
        await using var db = await fixture.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Logprobs).SingleAsync(r => r.Id == runId);
        // Stored for every generated token (reasoning and harmony headers too), not only the answer.
        Assert.Equal(run.OutputTokens, run.Logprobs!.TokenCount);
        Assert.True(run.Logprobs.TokenCount > tokens.Count);
    }

    [Fact]
    public async Task A_streamed_completion_carries_logprobs_with_the_content_chunks()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        var text = new StringBuilder();
        var tokens = new List<ChatTokenLogProbabilityDetails>();

        await foreach (var update in ApiClients.Chat(fixture.Host, key, DemoModel.Name)
            .CompleteChatStreamingAsync([new UserChatMessage("What is 5 + 4?")], Greedy(top: 2)))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            tokens.AddRange(update.ContentTokenLogProbabilities);
        }

        Assert.NotEmpty(tokens);
        Assert.Equal(Encoding.UTF8.GetBytes(text.ToString()), tokens.SelectMany(t => t.Utf8Bytes!.Value.ToArray()).ToArray());
        foreach (var token in tokens)
        {
            AssertConsistent(token.Token, token.LogProbability, token.TopLogProbabilities.Select(t => (t.Token, t.LogProbability)).ToList(), 2);
            Assert.Equal(token.TopLogProbabilities[0].Token, token.Token);
        }
    }

    [Fact]
    public async Task Without_logprobs_none_are_returned_or_stored()
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);

        var completion = (await ApiClients.Chat(fixture.Host, key, DemoModel.Name)
            .CompleteChatAsync([new UserChatMessage("What is 1 + 1?")], new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 })).Value;

        Assert.Empty(completion.ContentTokenLogProbabilities);
        var runId = long.Parse(completion.Id["chatcmpl-run".Length..]);
        await using var db = await fixture.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.False(await db.RunLogprobs.AnyAsync(l => l.RunId == runId));
    }

    [Theory]
    [InlineData(true, 21)]
    [InlineData(true, -1)]
    [InlineData(false, 2)]
    public async Task Bad_top_logprobs_get_400_naming_the_parameter(bool logprobs, int topLogprobs)
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        var body = JsonSerializer.Serialize(new
        {
            model = DemoModel.Name, logprobs, top_logprobs = topLogprobs, messages = new[] { new { role = "user", content = "hi" } },
        });

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("top_logprobs", error.GetProperty("param").GetString());
    }

    private static void AssertConsistent(string token, float logprob, IReadOnlyList<(string Token, float Logprob)> top, int expectedTop)
    {
        Assert.True(logprob <= 0, $"logprob {logprob} of '{token}'");
        Assert.Equal(expectedTop, top.Count);
        for (var i = 1; i < top.Count; i++)
            Assert.True(top[i - 1].Logprob >= top[i].Logprob, $"alternatives not sorted: {string.Join(", ", top)}");
        Assert.All(top, t => Assert.True(t.Logprob <= 0));
        var same = top.Where(t => t.Token == token).ToList();
        if (same.Count == 1) Assert.Equal(same[0].Logprob, logprob);
        else if (same.Count == 0) Assert.True(logprob <= top[^1].Logprob, $"'{token}' ({logprob}) is missing from a top list it belongs in");
    }
}
