namespace GptOssWorkbench.Web.Tests.Remote;

using System.Text.Json;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using ReasoningEffort = GptOssWorkbench.Data.Runs.ReasoningEffort;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Remote engines against a real HTTP server that replays what vLLM, SGLang, Ollama and llama.cpp send for gpt-oss:
/// each kind's reasoning field, tool calls, usage and finish chunks end as the same stored channels; bad servers end
/// the run with a clear error and store no half answer.
/// </summary>
public sealed class RemoteEngineReplayTests : IClassFixture<RemoteReplayFixture>
{
    private readonly RemoteReplayFixture fixture;

    public RemoteEngineReplayTests(RemoteReplayFixture fixture)
    {
        this.fixture = fixture;
        var server = fixture.Server;
        server.Script("vllm-chat", c => c.StreamAsync(ServerShapes.Vllm("vllm-chat")));
        server.Script("vllm-old-chat", c => c.StreamAsync(ServerShapes.Vllm("vllm-old-chat", "reasoning_content")));
        server.Script("sglang-chat", c => c.StreamAsync(ServerShapes.Sglang("sglang-chat")));
        server.Script("ollama", c => c.StreamAsync(ServerShapes.Ollama("ollama")));
        server.Script("llamacpp-chat", c => c.StreamAsync(ServerShapes.LlamaCpp("llamacpp-chat")));
        server.Script("vllm-raw", c => c.StreamAsync(ServerShapes.RawCompletion("vllm-raw", "vllm")));
        server.Script("sglang-raw", c => c.StreamAsync(ServerShapes.RawCompletion("sglang-raw", "sglang")));
        server.Script("llamacpp-raw", c => c.StreamAsync(ServerShapes.RawCompletion("llamacpp-raw", "llama.cpp")));
        server.Script("vllm-tool", c => c.StreamAsync(ServerShapes.VllmToolCall("vllm-tool")));
        server.Script("secret-url", c => c.StreamAsync(ServerShapes.Vllm("secret-url")));
        server.Script("vllm-chat-logprobs", c => c.StreamAsync(ServerShapes.VllmWithLogprobs("vllm-chat-logprobs").Chunks));
        server.Script("unauthorized", c => c.FailAsync(401, """{"error": "Unauthorized"}"""));
        server.Script("bad-json", async c =>
        {
            await c.BeginStreamAsync();
            await c.SendAsync(ServerShapes.Vllm("bad-json").First());
            await c.SendAsync("<html>502 Bad Gateway</html>");
        });
        server.Script("no-done", c => c.StreamAsync(ServerShapes.Vllm("no-done").Take(3), done: false));
        server.Script("too-big", async c =>
        {
            await c.BeginStreamAsync();
            for (var i = 0; i < 10; i++) await c.SendAsync(new { choices = new[] { new { index = 0, delta = new { reasoning = new string('x', 1000) } } } });
            await c.SendAsync("[DONE]");
        });
    }

    public static TheoryData<string> ChatKinds => ["vllm-chat", "vllm-old-chat", "sglang-chat", "ollama", "llamacpp-chat"];

    [Theory]
    [MemberData(nameof(ChatKinds))]
    public async Task Each_servers_chat_stream_is_stored_as_reasoning_and_answer_channels(string model)
    {
        var run = await fixture.RunAsync(model);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal("stop", run.FinishReason);
        var messages = run.Messages.OrderBy(m => m.Order).Where(m => m.RunId == run.Id).ToList();
        Assert.Equal([(Channels.Analysis, ServerShapes.ReasoningText), (Channels.Final, ServerShapes.AnswerText)], messages.Select(m => (m.Channel, m.Content)));
        Assert.Equal(ServerShapes.CompletionTokens, run.OutputTokens); // the server's usage, not our re-tokenization
        Assert.Equal(70, run.PromptTokens);
        Assert.True(run.ReasoningTokens > 0);
        var body = fixture.Server.BodiesFor(model).Last();
        Assert.Equal("low", body.GetProperty("reasoning_effort").GetString());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.Equal(0.7, body.GetProperty("temperature").GetDouble());
        Assert.Equal(5, body.GetProperty("seed").GetInt64());
        Assert.Equal("user", body.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_remote_run_is_replayed_with_the_same_request_and_seed_but_the_caveat_that_identity_is_not_guaranteed()
    {
        var run = await fixture.RunAsync("sglang-chat");
        var replays = fixture.Host.Services.GetRequiredService<GptOssWorkbench.Pipeline.Replays.ReplayService>();

        var check = await replays.CheckAsync(run.Id);
        Assert.True(check.Allowed, check.Refusal);
        Assert.Contains(check.Warnings, w => w.Contains("remote") && w.Contains("identity is not guaranteed"));

        var replayId = await replays.StartAsync(run.Id);
        await PipelineWaits.WaitForFinishAsync(fixture.Host.Services, replayId);
        var replayed = fixture.Server.BodiesFor("sglang-chat").Last();
        Assert.Equal(5, replayed.GetProperty("seed").GetInt64());
        Assert.Equal(0.7, replayed.GetProperty("temperature").GetDouble());
        // The scripted server answers the same every time: the replay compares identical, by text (no ids were recorded).
        var verdict = (await replays.GetForRunAsync(replayId))!.AsReplay!;
        Assert.Equal(GptOssWorkbench.Pipeline.Replays.ReplayOutcome.Identical, verdict.Outcome);
        Assert.Equal(GptOssWorkbench.Pipeline.Replays.ReplayBasis.TextPerChannel, verdict.Basis);
    }

    [Fact]
    public async Task Ollama_is_never_sent_a_raw_completion_even_in_auto_mode()
    {
        await fixture.RunAsync("ollama");

        Assert.DoesNotContain(fixture.Server.Requests, r => r.Path == "/v1/completions" && r.Body.GetProperty("model").GetString() == "ollama");
        Assert.Contains(fixture.Server.Requests, r => r.Path == "/v1/chat/completions" && r.Body.GetProperty("model").GetString() == "ollama");
    }

    public static TheoryData<string> RawKinds => ["vllm-raw", "sglang-raw", "llamacpp-raw"];

    [Theory]
    [MemberData(nameof(RawKinds))]
    public async Task Raw_completions_send_our_rendered_harmony_prompt_and_parse_the_channels_from_the_special_tokens(string model)
    {
        var run = await fixture.RunAsync(model, ReasoningEffort.High);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal("stop", run.FinishReason);
        var messages = run.Messages.OrderBy(m => m.Order).Where(m => m.RunId == run.Id).ToList();
        Assert.Equal([(Channels.Analysis, ServerShapes.ReasoningText), (Channels.Final, ServerShapes.AnswerText)], messages.Select(m => (m.Channel, m.Content)));
        var body = fixture.Server.BodiesFor(model).Last();
        Assert.False(body.GetProperty("skip_special_tokens").GetBoolean());
        var prompt = body.GetProperty("prompt").EnumerateArray().Select(t => t.GetInt32()).ToList();
        var text = HarmonyTokenizer.Shared.Decode(prompt);
        Assert.StartsWith("<|start|>system<|message|>", text);
        Assert.Contains("Reasoning: high", text); // the effort is rendered by our renderer, not sent as a parameter
        Assert.EndsWith("<|start|>user<|message|>What is 2+2?<|end|><|start|>assistant", text);
        Assert.Equal(RunManifest.HashPromptTokens(prompt), run.Manifest.PromptTokensSha256);
        Assert.Contains("raw-completions", run.Manifest.EngineVersion);
    }

    [Fact]
    public async Task A_tool_call_is_stored_as_a_commentary_message_to_the_function_and_ends_the_run_as_a_tool_call()
    {
        var run = await fixture.RunAsync("vllm-tool");

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal("tool_call", run.FinishReason);
        var call = Assert.Single(run.Messages, m => m.Recipient is not null);
        Assert.Equal("functions.get_weather", call.Recipient);
        Assert.Equal(Channels.Commentary, call.Channel);
        Assert.Equal("{\"city\": \"Paris\"}", call.Content);
        Assert.Contains(run.Messages, m => m.Channel == Channels.Analysis && m.Content == "Need the weather.");
    }

    [Fact]
    public async Task Chat_mode_logprobs_from_the_server_are_stored_as_the_runs_token_probabilities()
    {
        var run = await fixture.RunAsync("vllm-chat-logprobs", logprobs: true);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var body = fixture.Server.BodiesFor("vllm-chat-logprobs").Last();
        Assert.True(body.GetProperty("logprobs").GetBoolean());
        Assert.Equal(2, body.GetProperty("top_logprobs").GetInt32());
        await using var db = await fixture.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var stored = (await db.RunLogprobs.SingleAsync(l => l.RunId == run.Id)).Read();
        // Only the sampled text tokens carry a probability: the harmony headers are written by us, not sampled.
        var sent = ServerShapes.VllmWithLogprobs("vllm-chat-logprobs").Sent;
        Assert.Equal(sent.Select(t => (t.Id, (float)t.Logprob)), stored.Select(t => (t.TokenId, t.Logprob)));
        Assert.All(stored.Zip(sent), p => Assert.Equal([(p.Second.Id, (float)p.Second.Logprob), (p.Second.RunnerUp, (float)(p.Second.Logprob - 3))],
            p.First.Top.Select(t => (t.TokenId, t.Logprob))));
        var messages = run.Messages.OrderBy(m => m.Order).ToList();
        Assert.Equal([(Channels.Analysis, ServerShapes.ReasoningText), (Channels.Final, ServerShapes.AnswerText)], messages.Select(m => (m.Channel, m.Content)));
    }

    [Fact]
    public async Task The_manifest_names_kind_version_mode_address_and_served_model_but_never_the_key()
    {
        var run = await fixture.RunAsync("vllm-chat");

        Assert.Equal("vllm 0.11.0-replay; mode chat-completions", run.Manifest.EngineVersion);
        Assert.StartsWith($"remote {fixture.Server.BaseUrl}", run.Manifest.Device);
        Assert.Equal("served model vllm-chat", run.Manifest.WeightsFingerprint);
        Assert.Equal(0.7, run.Manifest.Temperature);
        Assert.Equal(5, run.Manifest.Seed);
        var failed = await fixture.RunAsync("unauthorized");
        Assert.DoesNotContain("sk-wrong-key", JsonSerializer.Serialize(failed.Manifest) + failed.Error);
        Assert.DoesNotContain(fixture.Host.Logs.Lines, l => l.Contains("sk-wrong-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_base_url_with_credentials_in_user_info_or_query_is_recorded_and_listed_without_them()
    {
        Assert.Contains("pw-in-url", fixture.SecretUrl); // the configured address really holds both secrets
        Assert.Contains("sk-in-query", fixture.SecretUrl);

        var run = await fixture.RunAsync("secret-url");

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal($"remote {fixture.Server.BaseUrl}/v1", run.Manifest.Device);
        Assert.Equal("served model secret-url", run.Manifest.WeightsFingerprint);
        var catalog = Assert.Single(await fixture.Host.Services.GetRequiredService<ModelCatalog>().ListAsync(), m => m.Name == "secret-url");
        foreach (var shown in new[] { JsonSerializer.Serialize(run.Manifest), catalog.Description, catalog.FolderPath })
        {
            Assert.DoesNotContain("pw-in-url", shown);
            Assert.DoesNotContain("sk-in-query", shown);
            Assert.DoesNotContain("admin@", shown);
        }
    }

    [Fact]
    public async Task A_refused_key_fails_the_run_with_the_servers_message_and_is_not_retried()
    {
        var calls = 0;
        fixture.Server.Script("unauthorized", c =>
        {
            Interlocked.Increment(ref calls);
            return c.FailAsync(401, """{"error": "Unauthorized"}""");
        });

        var run = await fixture.RunAsync("unauthorized");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("refused the API key (401): Unauthorized", run.Error);
        Assert.Equal(1, calls);
        Assert.Empty(run.Messages);
    }

    [Fact]
    public async Task An_unknown_served_model_fails_the_run_saying_so()
    {
        var run = await fixture.RunAsync("unknown-model");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("does not serve model 'not-served-here'", run.Error);
        Assert.Contains("The model `not-served-here` does not exist.", run.Error);
    }

    [Fact]
    public async Task An_unreachable_server_fails_the_run_saying_the_connection_was_refused()
    {
        var run = await fixture.RunAsync("unreachable");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("refused the connection", run.Error);
    }

    [Fact]
    public async Task A_stream_with_something_that_is_not_JSON_fails_the_run_and_stores_nothing()
    {
        var run = await fixture.RunAsync("bad-json");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("not JSON: <html>502 Bad Gateway</html>", run.Error);
        Assert.Empty(run.Messages);
        Assert.Equal(0, run.OutputTokens);
    }

    [Fact]
    public async Task A_stream_that_stops_without_DONE_is_retried_then_fails_and_stores_no_half_answer()
    {
        var run = await fixture.RunAsync("no-done");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("ended without [DONE]", run.Error);
        Assert.Contains("gave up after 2 attempts", run.Error);
        Assert.Empty(run.Messages);
    }

    [Fact]
    public async Task A_reply_over_the_size_limit_fails_the_run_and_stores_nothing()
    {
        var run = await fixture.RunAsync("too-big");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("over the limit of 3000 bytes", run.Error);
        Assert.Empty(run.Messages);
    }

    [Fact]
    public async Task A_busy_server_is_retried_and_the_answer_is_stored_once()
    {
        var calls = 0;
        fixture.Server.Script("flaky", c => Interlocked.Increment(ref calls) == 1
            ? c.FailAsync(503, """{"error": {"message": "overloaded", "type": "ServiceUnavailable", "code": 503}}""")
            : c.StreamAsync(ServerShapes.Vllm("flaky")));

        var run = await fixture.RunAsync("flaky");

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(2, calls);
        Assert.Equal([ServerShapes.ReasoningText, ServerShapes.AnswerText], run.Messages.OrderBy(m => m.Order).Select(m => m.Content));
    }

    [Fact]
    public async Task A_connection_lost_mid_stream_restarts_the_output_so_nothing_is_stored_twice()
    {
        var calls = 0;
        using var recorder = new PipelineWaits.Recorder(fixture.Host.Services);
        fixture.Server.Script("drop", c => Interlocked.Increment(ref calls) == 1
            ? c.DropAfterAsync(ServerShapes.Vllm("drop"), 3)
            : c.StreamAsync(ServerShapes.Vllm("drop")));

        var run = await fixture.RunAsync("drop");

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(2, calls);
        Assert.Equal([ServerShapes.ReasoningText, ServerShapes.AnswerText], run.Messages.OrderBy(m => m.Order).Select(m => m.Content));
        // Live views were told to start over before the second attempt's tokens.
        var updates = recorder.Of(run.Id);
        Assert.Equal(2, updates.Count(u => u is RunStarted));
    }

    [Fact]
    public async Task A_raw_harmony_prompt_goes_to_a_raw_completions_server_as_exactly_its_tokens()
    {
        var prompt = "<|start|>system<|message|>Reasoning: low<|end|><|start|>user<|message|>What is 2+2?<|end|><|start|>assistant";
        var runId = await fixture.Host.Services.GetRequiredService<RunLauncher>().StartRawPromptRunAsync(prompt, new RunSettings { ModelName = "sglang-raw", MaxTokens = 50 });

        var run = await PipelineWaits.WaitForFinishAsync(fixture.Host.Services, runId, seconds: 60);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var sent = fixture.Server.BodiesFor("sglang-raw").Last().GetProperty("prompt").EnumerateArray().Select(t => t.GetInt32()).ToList();
        Assert.Equal(HarmonyTokenizer.Shared.EncodeWithSpecials(prompt), sent);
        Assert.Equal([("analysis", ServerShapes.ReasoningText), ("final", ServerShapes.AnswerText)],
            run.Messages.OrderBy(m => m.Order).Select(m => (m.Channel, m.Content)));
    }

    [Fact]
    public async Task A_raw_harmony_prompt_on_a_chat_mode_engine_fails_saying_it_needs_completions_mode()
    {
        var runId = await fixture.Host.Services.GetRequiredService<RunLauncher>().StartRawPromptRunAsync(
            "<|start|>user<|message|>hi<|end|><|start|>assistant", new RunSettings { ModelName = "vllm-chat", MaxTokens = 50 });

        var run = await PipelineWaits.WaitForFinishAsync(fixture.Host.Services, runId, seconds: 60);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("Remote model 'vllm-chat' is misconfigured: a raw harmony prompt (/v1/completions) needs raw completions mode (Mode completions, or auto for vllm, sglang and llama.cpp), and this engine uses chat completions.", run.Error);
        Assert.Empty(run.Messages);
    }

    [Fact]
    public async Task A_raw_completions_server_killed_mid_stream_is_retried_and_the_channels_are_stored_once()
    {
        var calls = 0;
        fixture.Server.Script("raw-drop", c => Interlocked.Increment(ref calls) == 1
            ? c.DropAfterAsync(ServerShapes.RawCompletion("raw-drop", "vllm"), 4)
            : c.StreamAsync(ServerShapes.RawCompletion("raw-drop", "vllm")));

        var run = await fixture.RunAsync("raw-drop");

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal(2, calls);
        Assert.Equal([("analysis", ServerShapes.ReasoningText), ("final", ServerShapes.AnswerText)],
            run.Messages.OrderBy(m => m.Order).Select(m => (m.Channel, m.Content)));
    }

    [Fact]
    public async Task A_server_killed_mid_stream_on_every_attempt_fails_the_run_saying_why_and_stores_no_half_answer()
    {
        var calls = 0;
        fixture.Server.Script("always-drops", c =>
        {
            Interlocked.Increment(ref calls);
            return c.DropAfterAsync(ServerShapes.Vllm("always-drops"), 3);
        });

        var run = await fixture.RunAsync("always-drops");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(3, calls); // the first attempt and MaxRetries=2 retries
        Assert.Matches(@"^The connection to 127\.0\.0\.1:\d+ was lost after \d+ tokens: .* \(gave up after 3 attempts\)$", run.Error);
        Assert.Empty(run.Messages);
        Assert.Equal(0, run.OutputTokens);
    }

    [Fact]
    public async Task Cancelling_a_remote_run_closes_its_request()
    {
        var started = new TaskCompletionSource();
        var aborted = new TaskCompletionSource();
        fixture.Server.Script("slow", async c =>
        {
            c.Context.RequestAborted.Register(() => aborted.TrySetResult());
            await c.BeginStreamAsync();
            for (var i = 0; i < 600; i++)
            {
                await c.SendAsync(new { choices = new[] { new { index = 0, delta = new { reasoning = "thinking " }, finish_reason = (string?)null } } });
                started.TrySetResult();
                await Task.Delay(100, c.Context.RequestAborted);
            }
        });
        var turn = await fixture.StartAsync("slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await fixture.Host.Services.GetRequiredService<RunControl>().CancelAsync(turn.RunId));

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var run = await PipelineWaits.WaitForFinishAsync(fixture.Host.Services, turn.RunId, seconds: 30);
        Assert.Equal(RunStatus.Cancelled, run.Status);
    }

    [Fact]
    public async Task At_most_MaxConcurrency_requests_are_in_flight_to_one_server()
    {
        var open = 0;
        var most = 0;
        fixture.Server.Script("one-at-a-time", async c =>
        {
            var now = Interlocked.Increment(ref open);
            lock (this) most = Math.Max(most, now);
            try
            {
                await c.BeginStreamAsync();
                foreach (var chunk in ServerShapes.Vllm("one-at-a-time"))
                {
                    await c.SendAsync(chunk);
                    await Task.Delay(50);
                }
                await c.SendAsync("[DONE]");
            }
            finally
            {
                Interlocked.Decrement(ref open);
            }
        });

        var turns = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => fixture.StartAsync("one-at-a-time")));
        foreach (var turn in turns)
        {
            var run = await PipelineWaits.WaitForFinishAsync(fixture.Host.Services, turn.RunId, seconds: 60);
            Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        }

        Assert.Equal(1, most);
        Assert.Equal(3, fixture.Server.BodiesFor("one-at-a-time").Count);
    }

    [Fact]
    public async Task Remote_models_are_listed_in_the_catalog_with_their_address_and_kind()
    {
        var models = await fixture.Host.Services.GetRequiredService<ModelCatalog>().ListAsync();

        var vllm = Assert.Single(models, m => m.Name == "vllm-raw");
        Assert.True(vllm.IsRemote);
        Assert.Equal("vllm", vllm.RemoteKind);
        Assert.Contains(models, m => m.Name == TinyModel.Name && !m.IsRemote);
        Assert.DoesNotContain(models, m => m.Description.Contains("sk-wrong-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_models_page_shows_a_remote_model_as_remote_without_inspecting_a_folder_it_does_not_have()
    {
        var (admin, _) = await fixture.Host.SignedInClientAsync(UserRoles.Admin);
        using var _admin = admin;

        var html = await admin.GetStringAsync("/models");

        string Card(string name)
        {
            var start = html.IndexOf($">{name}</", StringComparison.Ordinal);
            Assert.True(start >= 0, $"no card for {name}");
            var end = html.IndexOf("data-testid=\"model-card\"", start, StringComparison.Ordinal);
            return end < 0 ? html[start..] : html[start..end];
        }
        var remote = Card("vllm-raw");
        var local = Card(TinyModel.Name);
        Assert.Contains("data-testid=\"model-remote\"", remote);
        Assert.Contains("remote · vllm", remote);
        Assert.DoesNotContain("mud-alert", remote);
        Assert.DoesNotContain("data-testid=\"model-remote\"", local);
        Assert.Contains("data-testid=\"model-facts\"", local);
    }
}
