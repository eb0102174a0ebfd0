namespace GptOssWorkbench.Web.Tests.Downloads;

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

/// <summary>
/// A Hugging Face hub on loopback, speaking the protocol of docs/hub-protocol.md: the revision API with ?blobs=true,
/// /resolve/ answering a plain file directly and an LFS file with a 302 to a second "CDN" server (another port, so
/// another host for the client), Range requests, X-Error-Code errors, and faults a test switches on: a connection that
/// drops after N bytes, bytes that do not match the listed sha256, a gated repo.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    public const string Repo = "openai/gpt-oss-tiny";
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private readonly WebApplication _hub;
    private readonly WebApplication _cdn;
    private readonly Dictionary<string, (byte[] Bytes, bool Lfs)> _files = new();

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>File → bytes after which the next CDN response for it is cut off (once).</summary>
    public ConcurrentDictionary<string, long> DropAfter { get; } = new();

    /// <summary>File → how many more CDN responses for it serve flipped bytes.</summary>
    public ConcurrentDictionary<string, int> CorruptResponses { get; } = new();

    /// <summary>Files whose responses ignore a Range header and send the whole file with 200, as some proxies do.</summary>
    public ConcurrentDictionary<string, bool> IgnoreRange { get; } = new();

    public bool Gated { get; set; }

    /// <summary>While set, the CDN sends half of each file, then waits for this before sending the rest: a download a test can watch in flight.</summary>
    public TaskCompletionSource? HoldMidFile { get; set; }

    public string Endpoint => _hub.Urls.First();

    public sealed record Request(string Server, string Path, string? Range, string? Authorization, int Status);

    private FakeHub(WebApplication hub, WebApplication cdn)
    {
        _hub = hub;
        _cdn = cdn;
    }

    public static async Task<FakeHub> StartAsync(string folder)
    {
        var hub = new FakeHub(Create(), Create());
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(folder, path).Replace('\\', '/');
            hub._files[name] = (await File.ReadAllBytesAsync(path), name.EndsWith(".safetensors", StringComparison.Ordinal) || name == "tokenizer.json");
        }
        hub.MapHub();
        hub.MapCdn();
        await hub._hub.StartAsync();
        await hub._cdn.StartAsync();
        return hub;
    }

    public IReadOnlyCollection<string> FileNames => _files.Keys;

    public byte[] Bytes(string file) => _files[file].Bytes;

    public IEnumerable<Request> ResolveRequests => Requests.Where(r => r.Path.Contains("/resolve/", StringComparison.Ordinal) || r.Server == "cdn");

    private static WebApplication Create()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    private void MapHub()
    {
        _hub.MapGet("/api/models/{owner}/{name}/revision/{revision}", (HttpContext context, string owner, string name, string revision) =>
        {
            if ($"{owner}/{name}" != Repo) return Error(context, 401, "RepoNotFound", "Repository not found");
            if (revision is not ("main" or Commit)) return Error(context, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
            var siblings = _files.Select(f => f.Value.Lfs
                ? (object)new { rfilename = f.Key, blobId = "b", size = f.Value.Bytes.Length, lfs = new { sha256 = Sha256(f.Key), size = f.Value.Bytes.Length, pointerSize = 134 } }
                : new { rfilename = f.Key, blobId = "b", size = f.Value.Bytes.Length });
            Record("hub", context, 200);
            return Results.Json(new { id = Repo, sha = Commit, siblings });
        });
        _hub.MapGet("/{owner}/{name}/resolve/{revision}/{**file}", async (HttpContext context, string owner, string name, string revision, string file) =>
        {
            if (Gated) { await Error(context, 401, "GatedRepo", "Access to model openai/gpt-oss-tiny is restricted.").ExecuteAsync(context); return; }
            if (revision != Commit || !_files.TryGetValue(file, out var entry)) { await Error(context, 404, "EntryNotFound", "Entry not found").ExecuteAsync(context); return; }
            if (entry.Lfs)
            {
                Record("hub", context, 302);
                context.Response.Headers["X-Linked-Size"] = entry.Bytes.Length.ToString();
                context.Response.Headers["X-Linked-Etag"] = $"\"{Sha256(file)}\"";
                context.Response.Headers["X-Repo-Commit"] = Commit;
                context.Response.Redirect($"{_cdn.Urls.First()}/blobs/{Uri.EscapeDataString(file)}?signature=x");
                return;
            }
            await Serve(context, "hub", file, entry.Bytes);
        });
    }

    private void MapCdn() =>
        _cdn.MapGet("/blobs/{file}", async (HttpContext context, string file) =>
        {
            file = Uri.UnescapeDataString(file);
            await Serve(context, "cdn", file, _files[file].Bytes);
        });

    private async Task Serve(HttpContext context, string server, string file, byte[] bytes)
    {
        long from = 0;
        var range = context.Request.Headers.Range.ToString();
        if (!IgnoreRange.ContainsKey(file) && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1]);
            if (from >= bytes.Length)
            {
                Record(server, context, 416);
                context.Response.StatusCode = 416;
                context.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                return;
            }
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        Record(server, context, context.Response.StatusCode);
        var body = bytes.AsMemory((int)from).ToArray();
        if (CorruptResponses.TryGetValue(file, out var left) && left > 0)
        {
            CorruptResponses[file] = left - 1;
            for (var i = 0; i < body.Length; i += 97) body[i] ^= 0x5A;
        }
        context.Response.ContentLength = body.Length;
        if (DropAfter.TryRemove(file, out var cut) && cut - from < body.Length)
        {
            await context.Response.Body.WriteAsync(body.AsMemory(0, (int)(cut - from)));
            await context.Response.Body.FlushAsync();
            context.Abort(); // the connection drops mid-file, as a flaky link does
            return;
        }
        if (server == "cdn" && HoldMidFile is { } hold && body.Length > 1)
        {
            await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await context.Response.Body.FlushAsync();
            await hold.Task.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(body.AsMemory(body.Length / 2));
            return;
        }
        await context.Response.Body.WriteAsync(body);
    }

    private IResult Error(HttpContext context, int status, string code, string message)
    {
        Record("hub", context, status);
        context.Response.Headers["X-Error-Code"] = code;
        context.Response.Headers["X-Error-Message"] = message;
        return Results.Json(new { error = message }, statusCode: status);
    }

    private void Record(string server, HttpContext context, int status) =>
        Requests.Enqueue(new Request(server, Uri.UnescapeDataString(context.Request.Path), context.Request.Headers.Range.FirstOrDefault(),
            context.Request.Headers.Authorization.FirstOrDefault(), status));

    public string Sha256(string file) => Convert.ToHexStringLower(SHA256.HashData(_files[file].Bytes));

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _cdn.DisposeAsync();
    }
}
