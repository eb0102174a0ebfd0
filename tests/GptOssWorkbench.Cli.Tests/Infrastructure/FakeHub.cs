namespace GptOssWorkbench.Cli.Tests.Infrastructure;

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

/// <summary>
/// A Hugging Face hub on loopback as the real one behaves (docs/hub-protocol.md): the revision API with ?blobs=true,
/// /resolve/ answering LFS files with a 302 to a second "CDN" server on another port, Range requests, X-Error-Code
/// errors. Tests put files in, then make it misbehave: drop a connection mid-file, serve corrupt bytes, gate a repo.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private readonly WebApplication hub;
    private readonly WebApplication cdn;
    private readonly ConcurrentDictionary<string, Entry> files = new();

    public sealed record Request(string Server, string Path, string? Range, string? Authorization, long BytesServed);

    private sealed class Entry(byte[] bytes, bool lfs)
    {
        public byte[] Bytes { get; set; } = bytes;
        public bool Lfs { get; } = lfs;
        public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(bytes));
        public int DropsLeft;
        public long DropAfter;
        public int CorruptLeft;
        public bool IgnoreRange;
    }

    public FakeHub()
    {
        cdn = Build();
        cdn.MapGet("/blobs/{sha}/{**path}", (HttpContext context, string path) => ServeAsync(context, "cdn", path));
        hub = Build();
        hub.MapGet("/api/models/{owner}/{name}/revision/{revision}", (HttpContext context, string owner, string name, string revision) =>
        {
            Log("hub", context, 0);
            if ($"{owner}/{name}" != Repo) return Error(context, 401, "RepoNotFound", "Repository not found");
            if (revision != "main" && revision != Commit) return Error(context, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
            var siblings = files.OrderBy(f => f.Key).Select(f => f.Value.Lfs
                ? (object)new { rfilename = f.Key, blobId = "b", size = f.Value.Bytes.Length, lfs = new { sha256 = f.Value.Sha256, size = f.Value.Bytes.Length, pointerSize = 134 } }
                : new { rfilename = f.Key, blobId = "b", size = f.Value.Bytes.Length });
            return Results.Json(new { id = Repo, sha = Commit, siblings });
        });
        hub.MapGet("/{owner}/{name}/resolve/{revision}/{**path}", (HttpContext context, string owner, string name, string revision, string path) =>
        {
            if ($"{owner}/{name}" != Repo) { Log("hub", context, 0); return Error(context, 401, "RepoNotFound", "Repository not found"); }
            if (Gated) { Log("hub", context, 0); return Error(context, 401, "GatedRepo", "Access to model is restricted"); }
            if (revision != Commit) { Log("hub", context, 0); return Error(context, 404, "RevisionNotFound", $"Invalid rev id: {revision}"); }
            if (!files.TryGetValue(path, out var entry)) { Log("hub", context, 0); return Error(context, 404, "EntryNotFound", $"{path} does not exist"); }
            if (!entry.Lfs) return Results.Extensions.Served(() => ServeAsync(context, "hub", path));
            Log("hub", context, 0);
            context.Response.Headers["X-Linked-Size"] = entry.Bytes.Length.ToString();
            context.Response.Headers["X-Linked-Etag"] = $"\"{entry.Sha256}\"";
            context.Response.Headers["X-Repo-Commit"] = Commit;
            return Results.Redirect($"{CdnUrl}/blobs/{entry.Sha256}/{path}?signature=expiring");
        });
    }

    public string Repo { get; set; } = "openai/gpt-oss-test";
    public bool Gated { get; set; }
    public string Url { get; private set; } = "";
    public string CdnUrl { get; private set; } = "";
    public ConcurrentQueue<Request> Requests { get; } = new();

    public async Task StartAsync()
    {
        await cdn.StartAsync();
        CdnUrl = cdn.Urls.First();
        await hub.StartAsync();
        Url = hub.Urls.First();
    }

    public void Add(string path, byte[] bytes, bool lfs = true) => files[path] = new Entry(bytes, lfs);

    /// <summary>Adds every file of a folder (recursively); *.safetensors and tokenizer.json as LFS, as on gpt-oss.</summary>
    public void AddFolder(string folder, string prefix = "")
    {
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = prefix + Path.GetRelativePath(folder, file).Replace('\\', '/');
            Add(relative, File.ReadAllBytes(file), lfs: relative.EndsWith(".safetensors") || relative.EndsWith("tokenizer.json"));
        }
    }

    public byte[] Bytes(string path) => files[path].Bytes;

    /// <summary>The next <paramref name="times"/> responses for this file close the connection after <paramref name="afterBytes"/> bytes.</summary>
    public void DropConnection(string path, long afterBytes, int times = 1) { files[path].DropAfter = afterBytes; files[path].DropsLeft = times; }

    /// <summary>The next <paramref name="times"/> responses for this file flip one byte (its listed sha256 stays that of the real bytes).</summary>
    public void Corrupt(string path, int times) => files[path].CorruptLeft = times;

    public void IgnoreRange(string path) => files[path].IgnoreRange = true;

    public IEnumerable<Request> RequestsFor(string path) => Requests.Where(r => r.Path.EndsWith("/" + path));

    private async Task ServeAsync(HttpContext context, string server, string path)
    {
        var entry = files[path];
        var bytes = entry.Bytes;
        if (entry.CorruptLeft > 0) { entry.CorruptLeft--; bytes = (byte[])bytes.Clone(); bytes[bytes.Length / 2] ^= 0xFF; }
        long from = 0;
        var range = context.Request.Headers.Range.ToString();
        if (!entry.IgnoreRange && range.StartsWith("bytes=") && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1]);
            if (from >= bytes.Length)
            {
                Log(server, context, 0);
                context.Response.StatusCode = 416;
                context.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                return;
            }
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        context.Response.ContentLength = bytes.Length - from;
        context.Response.ContentType = "application/octet-stream";
        var count = bytes.Length - from;
        if (entry.DropsLeft > 0)
        {
            entry.DropsLeft--;
            var sent = Math.Min(entry.DropAfter, count);
            Log(server, context, sent);
            await context.Response.Body.WriteAsync(bytes.AsMemory((int)from, (int)sent));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        Log(server, context, count);
        await context.Response.Body.WriteAsync(bytes.AsMemory((int)from, (int)count));
    }

    private void Log(string server, HttpContext context, long served) =>
        Requests.Enqueue(new Request(server, Uri.UnescapeDataString(context.Request.Path.Value ?? ""), context.Request.Headers.Range.FirstOrDefault(),
            context.Request.Headers.Authorization.FirstOrDefault(), served));

    private static IResult Error(HttpContext context, int status, string code, string message)
    {
        context.Response.Headers["X-Error-Code"] = code;
        context.Response.Headers["X-Error-Message"] = message;
        return Results.Json(new { error = message }, statusCode: status);
    }

    private static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        await cdn.DisposeAsync();
    }
}

file static class ServedResultExtensions
{
    /// <summary>An IResult that runs a handler writing the response itself (plain files served straight from the hub).</summary>
    public static IResult Served(this IResultExtensions _, Func<Task> write) => new ServedResult(write);

    private sealed class ServedResult(Func<Task> write) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => write();
    }
}
