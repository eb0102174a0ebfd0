namespace GptOssWorkbench.Pipeline.Downloads;

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

/// <summary>
/// The hub's HTTP protocol: the revision API for the file list, /resolve/ for the bytes. Redirects are followed here,
/// not by HttpClient, so the token goes only to the hub's own host and never to the CDN the hub redirects to, while a
/// relative redirect on the hub (a renamed repo) keeps it.
/// </summary>
public sealed class HubClient(HttpClient http, HubOptions options)
{
    private const int MaxRedirects = 10;

    /// <summary>An HttpClient that does not follow redirects itself (see the class comment).</summary>
    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan, // a 13 GB file takes longer than any fixed timeout; cancellation ends it
        };

    private Uri Endpoint => new(options.Endpoint.TrimEnd('/') + "/");

    public async Task<HubRevision> ListAsync(string repo, string revision, CancellationToken cancellationToken)
    {
        ValidateRepo(repo);
        var uri = new Uri(Endpoint, $"api/models/{repo}/revision/{Uri.EscapeDataString(revision)}?blobs=true");
        using var response = await SendAsync(uri, range: null, cancellationToken);
        if (!response.IsSuccessStatusCode) throw Describe(response, repo, revision, file: null);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var root = json.RootElement;
        var commit = root.TryGetProperty("sha", out var sha) ? sha.GetString() : null;
        if (string.IsNullOrEmpty(commit)) throw new HubException($"The hub's answer for {repo}@{revision} names no commit (sha); is {options.Endpoint} a Hugging Face hub?");
        var files = new List<HubFile>();
        if (root.TryGetProperty("siblings", out var siblings))
        {
            foreach (var sibling in siblings.EnumerateArray())
            {
                var path = sibling.GetProperty("rfilename").GetString()!;
                string? sha256 = null;
                long? size = sibling.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
                if (sibling.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
                {
                    sha256 = lfs.GetProperty("sha256").GetString()!.ToLowerInvariant();
                    if (lfs.TryGetProperty("size", out var lfsSize)) size = lfsSize.GetInt64();
                }
                if (size is null) throw new HubException($"The hub listed {path} of {repo}@{revision} without a size (the revision API needs ?blobs=true).");
                if (path.Split('/').Any(part => part is "" or "." or ".."))
                    throw new HubException($"The hub listed an unsafe file name '{path}' in {repo}@{revision}; refusing to write outside the model folder.");
                files.Add(new HubFile(path, size.Value, sha256));
            }
        }
        return new HubRevision(repo, revision, commit, files);
    }

    /// <summary>GET /{repo}/resolve/{commit}/{file}, following redirects; <paramref name="from"/> > 0 asks for the rest only.</summary>
    public async Task<HttpResponseMessage> OpenAsync(HubRevision revision, HubFile file, long from, CancellationToken cancellationToken)
    {
        var path = string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString));
        var uri = new Uri(Endpoint, $"{revision.Repo}/resolve/{revision.Commit}/{path}");
        var response = await SendAsync(uri, from > 0 ? new RangeHeaderValue(from, null) : null, cancellationToken);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return response;
        using (response) throw Describe(response, revision.Repo, revision.Revision, file.Path);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, RangeHeaderValue? range, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (range is not null) request.Headers.Range = range;
            if (options.HasToken && IsHub(uri)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is null) return response;
            if (hop >= MaxRedirects)
            {
                response.Dispose();
                throw new HubException($"Too many redirects fetching {uri.GetLeftPart(UriPartial.Path)}.");
            }
            uri = new Uri(uri, response.Headers.Location);
            response.Dispose();
        }
    }

    private bool IsHub(Uri uri) => Uri.Compare(uri, Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private HubException Describe(HttpResponseMessage response, string repo, string revision, string? file)
    {
        var code = response.Headers.TryGetValues("X-Error-Code", out var codes) ? codes.FirstOrDefault() : null;
        var hubMessage = response.Headers.TryGetValues("X-Error-Message", out var messages) ? messages.FirstOrDefault() : null;
        var what = file is null ? $"{repo}@{revision}" : $"{file} of {repo}@{revision}";
        var status = (int)response.StatusCode;
        var tokenHint = options.HasToken ? "HF_TOKEN is set" : "no HF_TOKEN is set";
        var message = code switch
        {
            "GatedRepo" => $"{repo} is gated: accept its terms on {options.Endpoint}/{repo} with the account whose token is in HF_TOKEN ({tokenHint}); the hub refused {what} ({status}).",
            "RepoNotFound" => $"Repository {repo} was not found on {options.Endpoint} ({status}): check the name, or, if it is private, set HF_TOKEN ({tokenHint}).",
            "RevisionNotFound" => $"Revision '{revision}' does not exist in {repo} ({status}).",
            "EntryNotFound" => $"File {file} does not exist in {repo}@{revision} ({status}).",
            _ when status is 401 or 403 => $"The hub refused {what} ({status}): a private or gated repo needs HF_TOKEN ({tokenHint}), or the name is wrong.",
            _ when status == 404 => $"{what} was not found on {options.Endpoint} (404).",
            _ => $"The hub answered {status} {response.ReasonPhrase} for {what}.",
        };
        if (!string.IsNullOrWhiteSpace(hubMessage) && code is not null) message += $" Hub says: {hubMessage}";
        return new HubException(message);
    }

    /// <summary>Throws a <see cref="HubException"/> unless <paramref name="repo"/> is owner/name (it becomes part of URLs and folder names).</summary>
    public static void ValidateRepo(string repo)
    {
        var parts = repo.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p is "." or ".." || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
            throw new HubException($"'{repo}' is not a hub repo id; expected owner/name, e.g. openai/gpt-oss-20b.");
    }
}
