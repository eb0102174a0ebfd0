namespace GptOssWorkbench.Web.Tests.Remote;

using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// A real HTTP server on a loopback port that answers /v1/chat/completions and /v1/completions with scripted
/// server-sent events, the chunk shapes real servers send (see <see cref="ServerShapes"/>). The script is chosen by the
/// request's "model" field, so one server plays every kind and failure; every request's JSON body is kept.
/// </summary>
public sealed class ReplayServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Func<ReplayCall, Task>> scripts = new();
    private int inFlight;

    public ReplayServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/v1/{**endpoint}", HandleAsync);
        app.MapGet("/version", () => Results.Json(new { version = "0.11.0-replay" }));
        app.MapGet("/v1/models", async (HttpContext context) =>
        {
            await Task.Delay(ModelsDelay, context.RequestAborted);
            if (RequiredKey is not null && context.Request.Headers.Authorization != $"Bearer {RequiredKey}")
                return Results.Json(new { error = "Unauthorized" }, statusCode: 401);
            return Results.Json(new { @object = "list", data = scripts.Keys.Order().Select(id => new { id, @object = "model", owned_by = "replay" }) });
        });
        app.StartAsync().GetAwaiter().GetResult();
        BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    /// <summary>e.g. http://127.0.0.1:41234 (no /v1: the workbench accepts both).</summary>
    public string BaseUrl { get; }

    public ConcurrentQueue<(string Path, JsonElement Body)> Requests { get; } = new();

    /// <summary>The most requests that were open at the same moment.</summary>
    public int MaxInFlight { get; private set; }

    /// <summary>Requests whose client went away before the script ended (cancel closes the request).</summary>
    public int Aborted => aborted;
    private int aborted;

    /// <summary>How long GET /v1/models takes (a stalled server).</summary>
    public TimeSpan ModelsDelay { get; set; }

    /// <summary>When set, GET /v1/models wants this bearer key (answering vLLM's bare-string 401 otherwise).</summary>
    public string? RequiredKey { get; set; }

    public void Script(string servedModel, Func<ReplayCall, Task> script) => scripts[servedModel] = script;

    public IReadOnlyList<JsonElement> BodiesFor(string servedModel) =>
        Requests.Where(r => r.Body.TryGetProperty("model", out var m) && m.GetString() == servedModel).Select(r => r.Body).ToList();

    private async Task HandleAsync(HttpContext context, string endpoint)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
        Requests.Enqueue(($"/v1/{endpoint}", body));
        var model = body.GetProperty("model").GetString()!;
        var now = Interlocked.Increment(ref inFlight);
        lock (scripts) MaxInFlight = Math.Max(MaxInFlight, now);
        try
        {
            if (!scripts.TryGetValue(model, out var script))
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new { error = new { message = $"The model `{model}` does not exist.", type = "NotFoundError", code = 404 } });
                return;
            }
            await script(new ReplayCall(context, $"/v1/{endpoint}", body));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref aborted);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

/// <summary>One request to the replay server and the means to answer it.</summary>
public sealed class ReplayCall(HttpContext context, string path, JsonElement body)
{
    public HttpContext Context { get; } = context;
    public string Path { get; } = path;
    public JsonElement Body { get; } = body;

    /// <summary>Starts an event stream (200, text/event-stream).</summary>
    public async Task BeginStreamAsync()
    {
        Context.Response.StatusCode = 200;
        Context.Response.ContentType = "text/event-stream";
        await Context.Response.Body.FlushAsync(Context.RequestAborted);
    }

    /// <summary>Sends one "data: …" event (an object is serialised as JSON; a string is sent as it is).</summary>
    public async Task SendAsync(object chunk)
    {
        var data = chunk as string ?? JsonSerializer.Serialize(chunk);
        await Context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {data}\n\n"), Context.RequestAborted);
        await Context.Response.Body.FlushAsync(Context.RequestAborted);
    }

    public async Task StreamAsync(IEnumerable<object> chunks, bool done = true)
    {
        await BeginStreamAsync();
        foreach (var chunk in chunks) await SendAsync(chunk);
        if (done) await SendAsync("[DONE]");
    }

    /// <summary>
    /// Answers as vLLM does, raw completions or chat by the path, only when the request carries this bearer key (vLLM's
    /// bare-string 401 otherwise): a completed run then proves the key reached the server intact.
    /// </summary>
    public Task StreamVllmIfKeyAsync(string servedModel, string key) =>
        Context.Request.Headers.Authorization != $"Bearer {key}"
            ? FailAsync(401, """{"error": "Unauthorized"}""")
            : StreamAsync(Path == "/v1/completions" ? ServerShapes.RawCompletion(servedModel, "vllm") : ServerShapes.Vllm(servedModel));

    /// <summary>
    /// Streams the first <paramref name="count"/> chunks, waits long enough for the workbench to flush part of them,
    /// then drops the connection (no [DONE], no finish reason): a server killed mid-stream.
    /// </summary>
    public async Task DropAfterAsync(IEnumerable<object> chunks, int count)
    {
        await BeginStreamAsync();
        foreach (var chunk in chunks.Take(count)) await SendAsync(chunk);
        await Task.Delay(300);
        Context.Abort();
    }

    public async Task FailAsync(int status, string body)
    {
        Context.Response.StatusCode = status;
        Context.Response.ContentType = "application/json";
        await Context.Response.WriteAsync(body, Context.RequestAborted);
    }
}
