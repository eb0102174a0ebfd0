namespace GptOssWorkbench.Web.Tests.Remote;

using System.Net;
using System.Net.Sockets;
using GptOssWorkbench.Pipeline.Remote;

/// <summary>"Test connection" against a real replay server: each way a server can be wrong gives its own message.</summary>
public sealed class RemoteConnectionTestTests : IAsyncLifetime
{
    private readonly ReplayServer server = new();
    private readonly RemoteEngineClient client = new();

    public Task InitializeAsync()
    {
        server.Script("openai/gpt-oss-120b", c => c.StreamAsync(ServerShapes.RawCompletion("openai/gpt-oss-120b", "vllm")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    private RemoteEngineOptions Engine(string? baseUrl = null, string model = "openai/gpt-oss-120b", string? key = null) => new()
    {
        Name = "vllm/gpt-oss-120b", BaseUrl = baseUrl ?? server.BaseUrl, Model = model, Kind = "vllm", ApiKey = key, IdleTimeout = TimeSpan.FromSeconds(2),
    };

    private Task<RemoteConnectionCheck> TestAsync(RemoteEngineOptions engine) => new RemoteConnectionTest(client).RunAsync(engine);

    [Fact]
    public async Task A_working_server_lists_its_models_and_answers_the_test_request()
    {
        var check = await TestAsync(Engine());

        Assert.True(check.Ok, check.Message);
        Assert.Equal(["openai/gpt-oss-120b"], check.ServedModels);
        Assert.Contains("vllm 0.11.0-replay", check.Message);
        Assert.Contains("raw completions", check.Message);
        Assert.Single(server.Requests, r => r.Path == "/v1/completions");
    }

    [Fact]
    public async Task A_model_the_server_does_not_list_is_reported_with_what_it_does_serve()
    {
        var check = await TestAsync(Engine(model: "openai/gpt-oss-20b"));

        Assert.False(check.Ok);
        Assert.Equal($"{server.BaseUrl} does not serve model 'openai/gpt-oss-20b'; it serves: openai/gpt-oss-120b.", check.Message);
        Assert.Empty(server.Requests); // no test request to a model that is not there
    }

    [Fact]
    public async Task A_refused_key_says_401_with_the_servers_words()
    {
        server.RequiredKey = "right-key";

        var check = await TestAsync(Engine(key: "wrong-key"));

        Assert.False(check.Ok);
        Assert.Equal($"{server.BaseUrl} refused the API key (401): Unauthorized", check.Message);
        Assert.DoesNotContain("wrong-key", check.Message);
    }

    [Fact]
    public async Task A_closed_port_says_the_connection_was_refused()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var check = await TestAsync(Engine($"http://127.0.0.1:{port}/v1"));

        Assert.False(check.Ok);
        Assert.Equal($"127.0.0.1:{port} refused the connection: is the server running on that port?", check.Message);
    }

    [Fact]
    public async Task An_unresolvable_host_says_DNS()
    {
        var check = await TestAsync(Engine("http://nohost.invalid:8000"));

        Assert.False(check.Ok);
        Assert.StartsWith("The host of http://nohost.invalid:8000 could not be resolved (DNS): ", check.Message);
    }

    [Fact]
    public async Task Https_to_a_plain_http_server_says_the_TLS_handshake_failed_and_suggests_http()
    {
        var check = await TestAsync(Engine(server.BaseUrl.Replace("http://", "https://")));

        Assert.False(check.Ok);
        var authority = new Uri(server.BaseUrl).Authority;
        Assert.StartsWith($"The TLS handshake with {authority} failed (", check.Message);
        Assert.EndsWith("): the server does not seem to speak TLS on that port; if it serves plain HTTP, use http:// in the base URL.", check.Message);
    }

    [Fact]
    public async Task A_server_that_never_lists_its_models_says_timeout_and_names_the_setting()
    {
        server.ModelsDelay = Timeout.InfiniteTimeSpan;

        var check = await TestAsync(Engine());

        Assert.False(check.Ok);
        Assert.Equal($"{server.BaseUrl} did not answer within 2 s (timeout; the engine's IdleTimeout setting).", check.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_the_test_request_says_timeout()
    {
        server.Script("openai/gpt-oss-120b", c => Task.Delay(Timeout.InfiniteTimeSpan, c.Context.RequestAborted));

        var check = await TestAsync(Engine());

        Assert.False(check.Ok);
        Assert.Equal($"{server.BaseUrl} sent nothing for 2 s (timeout; the engine's IdleTimeout setting).", check.Message);
    }
}
