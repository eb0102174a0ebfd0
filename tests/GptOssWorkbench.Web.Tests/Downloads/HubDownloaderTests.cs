namespace GptOssWorkbench.Web.Tests.Downloads;

using GptOssWorkbench.Pipeline.Downloads;
using GptOssWorkbench.Web.Models;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;

/// <summary>The downloader against a fake hub on loopback serving the tests' real tiny checkpoint.</summary>
public sealed class HubDownloaderTests : IAsyncLifetime
{
    private const string Token = "hf_secret_token_that_must_not_leak";
    private const string Weights = "model.safetensors";
    private readonly string _directory = Directory.CreateTempSubdirectory("workbench-hub-").FullName;
    private readonly CapturedLogs _logs = new();
    private FakeHub _hub = null!;

    private string Out => Path.Combine(_directory, "gpt-oss-tiny");

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync(TinyModel.FolderPath);

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private HubDownloader Downloader(string? token = Token, int resumeAttempts = 5, long freeSpace = long.MaxValue)
    {
        var options = new HubOptions { Endpoint = _hub.Endpoint, Token = token, ResumeAttempts = resumeAttempts, DiskReserveBytes = 1000 };
        return new HubDownloader(new HubClient(HubClient.CreateHttpClient(), options), options, _logs.CreateLogger("HubDownloader"))
        {
            FreeSpace = freeSpace == long.MaxValue ? path => long.MaxValue : _ => freeSpace,
        };
    }

    private Task<HubDownloadResult> Download(HubDownloader downloader, string revision = "main") =>
        downloader.DownloadAsync(FakeHub.Repo, revision, Out, includes: null, progress: null, CancellationToken.None);

    private void AssertSameFilesAsServed()
    {
        foreach (var name in _hub.FileNames)
            Assert.Equal(_hub.Bytes(name), File.ReadAllBytes(Path.Combine(Out, name)));
    }

    [Fact]
    public async Task A_download_follows_the_cdn_redirect_and_places_a_folder_that_inspects_as_the_served_checkpoint()
    {
        var progress = new List<HubDownloadProgress>();
        var result = await Downloader().DownloadAsync(FakeHub.Repo, "main", Out, null, new SyncProgress(progress.Add), CancellationToken.None);

        AssertSameFilesAsServed();
        Assert.False(Directory.Exists(HubDownloader.PartialDirectory(Out)));
        Assert.Empty(Directory.EnumerateFiles(Out, "*.incomplete", SearchOption.AllDirectories));
        Assert.Equal(FakeHub.Commit, result.Revision.Commit);
        Assert.Contains(_hub.Requests, r => r.Server == "cdn" && r.Path.EndsWith(Weights, StringComparison.Ordinal));
        var total = _hub.FileNames.Sum(f => (long)_hub.Bytes(f).Length);
        Assert.Equal(total, progress[^1].BytesDone);
        Assert.Equal(total, progress[^1].BytesTotal);
        var expected = CheckpointFacts.Inspect(TinyModel.FolderPath);
        var downloaded = CheckpointFacts.Inspect(Out);
        Assert.Equal(expected.Parameters, downloaded.Parameters);
        Assert.Equal(expected.Fingerprint, downloaded.Fingerprint);
    }

    [Fact]
    public async Task The_token_goes_to_the_hub_but_not_to_the_cdn_host_and_never_into_the_logs()
    {
        await Download(Downloader());

        Assert.All(_hub.Requests.Where(r => r.Server == "hub"), r => Assert.Equal($"Bearer {Token}", r.Authorization));
        var cdn = _hub.Requests.Where(r => r.Server == "cdn").ToList();
        Assert.NotEmpty(cdn);
        Assert.All(cdn, r => Assert.Null(r.Authorization));
        Assert.Contains("token set: True", _logs.All);
        Assert.DoesNotContain(Token, _logs.All);
    }

    [Fact]
    public async Task A_dropped_connection_is_resumed_with_a_range_request_for_the_rest_only()
    {
        var size = _hub.Bytes(Weights).Length;
        var cut = size / 3;
        _hub.DropAfter[Weights] = cut;

        await Download(Downloader());

        AssertSameFilesAsServed();
        var weights = _hub.Requests.Where(r => r.Server == "cdn" && r.Path.EndsWith(Weights, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, weights.Count);
        Assert.Null(weights[0].Range);
        // The client resumes from the bytes it actually received before the drop (at most what the server wrote).
        var resumedFrom = long.Parse(weights[1].Range!["bytes=".Length..^1]);
        Assert.InRange(resumedFrom, 1, cut);
        Assert.Equal(206, weights[1].Status);
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_restarts_the_file_instead_of_appending()
    {
        var partial = HubDownloader.PartialDirectory(Out);
        Directory.CreateDirectory(partial);
        var half = _hub.Bytes(Weights)[..(_hub.Bytes(Weights).Length / 2)];
        File.WriteAllBytes(Path.Combine(partial, Weights + ".incomplete"), half);
        _hub.IgnoreRange[Weights] = true;

        await Download(Downloader());

        AssertSameFilesAsServed();
        Assert.Contains(_hub.Requests, r => r.Server == "cdn" && r.Path.EndsWith(Weights, StringComparison.Ordinal) && r.Range == $"bytes={half.Length}-" && r.Status == 200);
    }

    [Fact]
    public async Task An_interrupted_run_leaves_no_model_folder_and_the_next_run_fetches_only_what_is_missing()
    {
        var cut = _hub.Bytes(Weights).Length / 2;
        _hub.DropAfter[Weights] = cut;

        var error = await Assert.ThrowsAsync<HubException>(() => Download(Downloader(resumeAttempts: 0)));

        Assert.Contains(Weights, error.Message);
        Assert.Contains("run the download again", error.Message);
        Assert.False(Directory.Exists(Out)); // the loader never sees a half model folder
        var kept = new FileInfo(Path.Combine(HubDownloader.PartialDirectory(Out), Weights + ".incomplete")).Length;
        Assert.InRange(kept, 1, cut);
        var verifiedInFirstRun = _hub.FileNames.Where(f => f != Weights).ToList();
        Assert.NotEmpty(verifiedInFirstRun);
        var firstRun = _hub.Requests.Count;

        var result = await Download(Downloader());

        AssertSameFilesAsServed();
        var secondRun = _hub.Requests.Skip(firstRun).Where(r => r.Status is 200 or 206 && !r.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        var fetched = Assert.Single(secondRun);
        Assert.Equal($"bytes={kept}-", fetched.Range);
        Assert.Equal(_hub.Bytes(Weights).Length - kept, result.BytesFetched);

        // A third run over the finished folder fetches nothing at all.
        var beforeThird = _hub.Requests.Count;
        var again = await Download(Downloader());
        Assert.Equal(0, again.BytesFetched);
        Assert.DoesNotContain(_hub.Requests.Skip(beforeThird), r => !r.Path.StartsWith("/api/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bytes_that_do_not_match_the_listed_sha256_are_refused_and_fetched_again()
    {
        _hub.CorruptResponses[Weights] = 1;

        await Download(Downloader());

        AssertSameFilesAsServed();
        Assert.Equal(2, _hub.Requests.Count(r => r.Server == "cdn" && r.Path.EndsWith(Weights, StringComparison.Ordinal)));
        Assert.Contains("failed verification", _logs.All);
    }

    [Fact]
    public async Task Bytes_that_stay_corrupt_give_a_clear_error_and_no_model_folder()
    {
        _hub.CorruptResponses[Weights] = 10;

        var error = await Assert.ThrowsAsync<HubException>(() => Download(Downloader()));

        Assert.Contains($"{Weights} of {FakeHub.Repo}@main failed verification twice", error.Message);
        Assert.Contains(_hub.Sha256(Weights), error.Message);
        Assert.False(Directory.Exists(Out));
        Assert.False(File.Exists(Path.Combine(HubDownloader.PartialDirectory(Out), Weights)));
        Assert.False(File.Exists(Path.Combine(HubDownloader.PartialDirectory(Out), Weights + ".incomplete")));
    }

    [Fact]
    public async Task A_gated_repo_says_to_accept_its_terms_and_nothing_is_placed()
    {
        _hub.Gated = true;

        var error = await Assert.ThrowsAsync<HubException>(() => Download(Downloader(token: null)));

        Assert.Contains($"{FakeHub.Repo} is gated", error.Message);
        Assert.Contains("no HF_TOKEN is set", error.Message);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task An_unknown_revision_and_an_unknown_repo_are_named_in_their_errors()
    {
        var revision = await Assert.ThrowsAsync<HubException>(() => Download(Downloader(), revision: "no-such-branch"));
        Assert.Contains($"Revision 'no-such-branch' does not exist in {FakeHub.Repo} (404)", revision.Message);

        var repo = await Assert.ThrowsAsync<HubException>(() =>
            Downloader(token: null).DownloadAsync("openai/gpt-oss-typo", "main", Out, null, null, CancellationToken.None));
        Assert.Contains("Repository openai/gpt-oss-typo was not found", repo.Message);
        Assert.Contains("set HF_TOKEN", repo.Message);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Too_little_disk_space_is_refused_before_any_byte_is_fetched()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Download(Downloader(freeSpace: 5000)));

        Assert.Contains("Not enough disk space", error.Message);
        Assert.Contains("Nothing was downloaded", error.Message);
        Assert.DoesNotContain(_hub.Requests, r => !r.Path.StartsWith("/api/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Include_patterns_replace_the_default_selection_with_fnmatch_semantics()
    {
        var result = await Downloader().DownloadAsync(FakeHub.Repo, "main", Out, ["config*"], null, CancellationToken.None);

        Assert.Equal(["config.json"], result.Files.Select(f => f.Path));
        Assert.Equal(["config.json"], Directory.EnumerateFiles(Out).Select(Path.GetFileName));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this one records in order, on the reporting thread.</summary>
    private sealed class SyncProgress(Action<HubDownloadProgress> report) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value)
        {
            lock (this) report(value);
        }
    }
}
