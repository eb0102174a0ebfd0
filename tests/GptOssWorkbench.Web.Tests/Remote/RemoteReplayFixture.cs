namespace GptOssWorkbench.Web.Tests.Remote;

using System.Net;
using System.Net.Sockets;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// One replay server and one workbench whose Models:Remote list points every scenario at it (plus the local tiny
/// model, for mixed batches). A scenario's name is both the workbench model name and the served model id.
/// </summary>
public sealed class RemoteReplayFixture : IAsyncLifetime
{
    public ReplayServer Server { get; private set; } = default!;
    public WorkbenchHost Host { get; private set; } = default!;

    /// <summary>name → (kind, mode, extra settings).</summary>
    public static readonly (string Name, string Kind, string Mode, Dictionary<string, string> Extra)[] Engines =
    [
        ("vllm-chat", "vllm", "chat", []),
        ("vllm-old-chat", "vllm", "chat", []),
        ("sglang-chat", "sglang", "chat", []),
        ("ollama", "ollama", "auto", []),
        ("llamacpp-chat", "llama.cpp", "chat", []),
        ("vllm-raw", "vllm", "auto", []),
        ("sglang-raw", "sglang", "auto", []),
        ("llamacpp-raw", "llama.cpp", "auto", []),
        ("vllm-tool", "vllm", "chat", []),
        ("vllm-chat-logprobs", "vllm", "chat", []),
        ("bad-json", "vllm", "chat", []),
        ("no-done", "vllm", "chat", new() { ["MaxRetries"] = "1" }),
        ("too-big", "vllm", "chat", new() { ["MaxReplyBytes"] = "3000" }),
        ("unauthorized", "vllm", "chat", new() { ["ApiKey"] = "sk-wrong-key-never-shown" }),
        ("unknown-model", "openai-compatible", "chat", new() { ["Model"] = "not-served-here" }),
        ("unreachable", "vllm", "chat", new() { ["MaxRetries"] = "0" }),
        ("flaky", "vllm", "chat", new() { ["MaxRetries"] = "2" }),
        ("drop", "vllm", "chat", new() { ["MaxRetries"] = "2" }),
        ("raw-drop", "vllm", "completions", new() { ["MaxRetries"] = "2" }),
        ("always-drops", "vllm", "chat", new() { ["MaxRetries"] = "2" }),
        ("slow", "vllm", "chat", []),
        ("one-at-a-time", "vllm", "chat", new() { ["MaxConcurrency"] = "1" }),
        ("secret-url", "vllm", "chat", []),
    ];

    /// <summary>The replay server's address with a password in the user info and a key in the query.</summary>
    public string SecretUrl => new UriBuilder(Server.BaseUrl + "/v1") { UserName = "admin", Password = "pw-in-url", Query = "api_key=sk-in-query" }.Uri.ToString();

    public Task InitializeAsync()
    {
        Server = new ReplayServer();
        var closedPort = ClosedPort();
        Host = WorkbenchHost.Start(_ =>
        {
            var settings = TinyModel.Settings();
            for (var i = 0; i < Engines.Length; i++)
            {
                var (name, kind, mode, extra) = Engines[i];
                var prefix = $"Models:Remote:{i}:";
                settings[prefix + "Name"] = name;
                // Half with /v1, half without: both must work.
                settings[prefix + "BaseUrl"] = name switch
                {
                    "unreachable" => $"http://127.0.0.1:{closedPort}",
                    "secret-url" => SecretUrl, // credentials where some users put them: in the user info and the query
                    _ => i % 2 == 0 ? Server.BaseUrl : Server.BaseUrl + "/v1/",
                };
                settings[prefix + "Model"] = name;
                settings[prefix + "Kind"] = kind;
                settings[prefix + "Mode"] = mode;
                settings[prefix + "RetryDelay"] = "00:00:00.050";
                settings[prefix + "IdleTimeout"] = "00:00:20";
                foreach (var (key, value) in extra) settings[prefix + key] = value;
            }
            return settings;
        });
        return Task.CompletedTask;
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Sends a chat message to <paramref name="model"/> and waits for its run to end.</summary>
    public async Task<Run> RunAsync(string model, ReasoningEffort effort = ReasoningEffort.Low, bool logprobs = false)
    {
        var turn = await StartAsync(model, effort, logprobs);
        return await PipelineWaits.WaitForFinishAsync(Host.Services, turn.RunId, seconds: 60);
    }

    public Task<ChatTurn> StartAsync(string model, ReasoningEffort effort = ReasoningEffort.Low, bool logprobs = false) =>
        Host.Services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, "What is 2+2?",
            new RunSettings { ModelName = model, ReasoningEffort = effort, MaxTokens = 200, Temperature = 0.7, Seed = 5, Logprobs = logprobs, TopLogprobs = logprobs ? 2 : 0 }));

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Server.DisposeAsync();
    }
}
