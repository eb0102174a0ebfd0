namespace GptOssWorkbench.Cli.Tests;

using GptOssWorkbench.Cli.Tests.Infrastructure;
using GptOssWorkbench.Pipeline.Downloads;
using Microsoft.Extensions.Configuration;

/// <summary>The hub downloader against a fake hub + CDN on loopback: resume, verification, errors, atomic placement.</summary>
public sealed class HubDownloaderTests : IAsyncLifetime
{
    private readonly FakeHub hub = new();
    private readonly string temp = Directory.CreateTempSubdirectory("gptoss-hub-").FullName;
    private readonly byte[] weights = RandomBytes(3_000_000, 1);
    private readonly byte[] shard = RandomBytes(700_000, 2);

    public async Task InitializeAsync()
    {
        hub.Add("config.json", "{\"num_hidden_layers\": 4}"u8.ToArray(), lfs: false);
        hub.Add("model-00001-of-00002.safetensors", weights);
        hub.Add("model-00002-of-00002.safetensors", shard);
        hub.Add("model.safetensors.index.json", "{\"weight_map\": {}}"u8.ToArray(), lfs: false);
        hub.Add("tokenizer.json", RandomBytes(50_000, 3));
        hub.Add("README.md", "# not needed"u8.ToArray(), lfs: false);
        hub.Add("original/model.safetensors", RandomBytes(200_000, 4));
        hub.Add("original/config.json", "{}"u8.ToArray(), lfs: false);
        hub.Add("metal/model.bin", RandomBytes(100_000, 5));
        await hub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        Directory.Delete(temp, recursive: true);
    }

    private string Out => Path.Combine(temp, "model");

    private HubDownloader Downloader(string? token = null, long reserve = 0, int resumeAttempts = 5) =>
        new(new HubClient(HubClient.CreateHttpClient(), Options(token, reserve, resumeAttempts)), Options(token, reserve, resumeAttempts));

    private HubOptions Options(string? token, long reserve, int resumeAttempts = 5) =>
        new() { Endpoint = hub.Url, Token = token, DiskReserveBytes = reserve, ResumeAttempts = resumeAttempts };

    private Task<HubDownloadResult> Download(HubDownloader? downloader = null, IReadOnlyList<string>? include = null, IProgress<HubDownloadProgress>? progress = null, string revision = "main") =>
        (downloader ?? Downloader()).DownloadAsync(hub.Repo, revision, Out, include, progress, CancellationToken.None);

    private static readonly string[] DefaultSelection =
        ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json"];

    [Fact]
    public async Task Default_selection_downloads_only_the_top_level_hf_layout_byte_for_byte_through_the_cdn_redirect()
    {
        var reports = new List<HubDownloadProgress>();
        var result = await Download(progress: new SynchronousProgress(reports.Add));

        Assert.Equal(DefaultSelection, Directory.GetFiles(Out, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Out, f)).Order());
        foreach (var file in DefaultSelection) Assert.Equal(hub.Bytes(file), File.ReadAllBytes(Path.Combine(Out, file)));
        Assert.False(Directory.Exists(HubDownloader.PartialDirectory(Out)));
        Assert.Equal(FakeHub.Commit, result.Revision.Commit);
        // LFS bytes come from the CDN host, plain files from the hub; every file was fetched at the resolved commit.
        Assert.Contains(hub.RequestsFor("model-00001-of-00002.safetensors"), r => r.Server == "cdn");
        Assert.All(hub.Requests.Where(r => r.Path.Contains("/resolve/")), r => Assert.Contains($"/resolve/{FakeHub.Commit}/", r.Path));
        var last = reports[^1];
        Assert.Equal(DefaultSelection.Sum(f => (long)hub.Bytes(f).Length), last.BytesTotal);
        Assert.Equal(last.BytesTotal, last.BytesDone);
        Assert.Equal(5, last.FilesDone);
    }

    [Fact]
    public async Task Include_patterns_use_fnmatch_where_star_crosses_slashes_and_replace_the_defaults()
    {
        await Download(include: ["original/*"]);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(Path.Combine(Out, "original")).Select(Path.GetFileName).Order());
        Assert.Single(Directory.GetDirectories(Out));
        Assert.Empty(Directory.GetFiles(Out));

        var all = HubFileSelection.Select([new("a/b/c.safetensors", 1, null), new("x.bin", 1, null)], ["*.safetensors"]);
        Assert.Equal("a/b/c.safetensors", Assert.Single(all).Path);
    }

    [Fact]
    public async Task A_connection_dropped_mid_file_is_resumed_with_a_range_request_for_the_rest_only()
    {
        hub.DropConnection("model-00001-of-00002.safetensors", afterBytes: 1_000_000);

        await Download();

        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(Out, "model-00001-of-00002.safetensors")));
        var cdnRequests = hub.RequestsFor("model-00001-of-00002.safetensors").Where(r => r.Server == "cdn").ToList();
        Assert.Equal(2, cdnRequests.Count);
        Assert.Null(cdnRequests[0].Range);
        Assert.Equal("bytes=1000000-", cdnRequests[1].Range);
        Assert.Equal(weights.Length - 1_000_000, cdnRequests[1].BytesServed);
    }

    [Fact]
    public async Task A_later_run_resumes_the_partial_file_and_refetches_nothing_already_verified()
    {
        hub.DropConnection("model-00001-of-00002.safetensors", afterBytes: 1_200_000);
        var failed = await Assert.ThrowsAsync<HubException>(() => Download(Downloader(resumeAttempts: 0)));
        Assert.Contains("model-00001-of-00002.safetensors", failed.Message);
        Assert.Contains("run the download again", failed.Message);
        // The half-done run never looks like a model folder.
        Assert.False(Directory.Exists(Out));
        var partial = HubDownloader.PartialDirectory(Out);
        Assert.Equal(1_200_000, new FileInfo(Path.Combine(partial, "model-00001-of-00002.safetensors.incomplete")).Length);
        Assert.False(File.Exists(Path.Combine(partial, "model-00001-of-00002.safetensors")));

        var before = hub.Requests.Count;
        var result = await Download();

        var second = hub.Requests.Skip(before).Where(r => r.Path.Contains("/resolve/") || r.Server == "cdn").ToList();
        // Only the interrupted file is asked for again, and only from where it stopped.
        Assert.All(second, r => Assert.EndsWith("/model-00001-of-00002.safetensors", r.Path));
        var resumed = Assert.Single(second, r => r.Server == "cdn");
        Assert.Equal("bytes=1200000-", resumed.Range);
        Assert.Equal(weights.Length - 1_200_000, resumed.BytesServed);
        Assert.Equal(weights.Length - 1_200_000, result.BytesFetched);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(Out, "model-00001-of-00002.safetensors")));
        Assert.False(Directory.Exists(partial));

        // A third run over the finished folder fetches nothing at all.
        before = hub.Requests.Count;
        var again = await Download();
        Assert.Equal(0, again.BytesFetched);
        Assert.DoesNotContain(hub.Requests.Skip(before), r => r.Path.Contains("/resolve/") || r.Server == "cdn");
    }

    [Fact]
    public async Task Corrupt_bytes_are_refused_and_fetched_again_once()
    {
        hub.Corrupt("model-00002-of-00002.safetensors", times: 1);
        await Download();
        Assert.Equal(shard, File.ReadAllBytes(Path.Combine(Out, "model-00002-of-00002.safetensors")));
        Assert.Equal(2, hub.RequestsFor("model-00002-of-00002.safetensors").Count(r => r.Server == "cdn"));
    }

    [Fact]
    public async Task Bytes_corrupt_twice_fail_with_a_clear_error_and_leave_no_model_folder()
    {
        hub.Corrupt("model-00002-of-00002.safetensors", times: 2);
        var error = await Assert.ThrowsAsync<HubException>(() => Download());
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
        Assert.Contains("sha256", error.Message);
        Assert.False(Directory.Exists(Out));
        Assert.False(File.Exists(Path.Combine(HubDownloader.PartialDirectory(Out), "model-00002-of-00002.safetensors")));
        Assert.False(File.Exists(Path.Combine(HubDownloader.PartialDirectory(Out), "model-00002-of-00002.safetensors.incomplete")));
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_restarts_the_file_instead_of_appending()
    {
        var partial = HubDownloader.PartialDirectory(Out);
        Directory.CreateDirectory(partial);
        File.WriteAllBytes(Path.Combine(partial, "model-00001-of-00002.safetensors.incomplete"), weights[..500_000]);
        hub.IgnoreRange("model-00001-of-00002.safetensors");

        await Download();

        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(Out, "model-00001-of-00002.safetensors")));
    }

    [Fact]
    public async Task The_token_goes_to_the_hub_but_not_to_the_cdn_host()
    {
        await Download(Downloader(token: "hf_secret_token_123"));
        Assert.All(hub.Requests.Where(r => r.Server == "hub"), r => Assert.Equal("Bearer hf_secret_token_123", r.Authorization));
        var cdn = hub.Requests.Where(r => r.Server == "cdn").ToList();
        Assert.NotEmpty(cdn);
        Assert.All(cdn, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task Not_enough_disk_space_is_refused_before_any_byte_is_fetched()
    {
        var downloader = Downloader(reserve: long.MaxValue / 4);
        var error = await Assert.ThrowsAsync<HubException>(() => Download(downloader));
        Assert.Contains("Not enough disk space", error.Message);
        Assert.DoesNotContain(hub.Requests, r => r.Path.Contains("/resolve/") || r.Server == "cdn");
        Assert.False(Directory.Exists(Out));

        var tight = new HubDownloader(new HubClient(HubClient.CreateHttpClient(), Options(null, 0)), Options(null, 0)) { FreeSpace = _ => 1000 };
        var tooSmall = await Assert.ThrowsAsync<HubException>(() => Download(tight));
        Assert.Contains("0.00 GB free", tooSmall.Message);
    }

    [Fact]
    public async Task A_gated_repo_an_unknown_revision_and_an_unknown_repo_give_clear_messages()
    {
        var revision = await Assert.ThrowsAsync<HubException>(() => Download(revision: "no-such-branch"));
        Assert.Contains("Revision 'no-such-branch' does not exist in openai/gpt-oss-test", revision.Message);

        hub.Gated = true;
        var gated = await Assert.ThrowsAsync<HubException>(() => Download());
        Assert.Contains("openai/gpt-oss-test is gated", gated.Message);
        Assert.Contains("HF_TOKEN", gated.Message);
        Assert.False(Directory.Exists(Out));

        var unknown = await Assert.ThrowsAsync<HubException>(() =>
            Downloader().DownloadAsync("openai/typo", "main", Out, null, null, CancellationToken.None));
        Assert.Contains("openai/typo was not found", unknown.Message);
        Assert.Contains("HF_TOKEN", unknown.Message);

        var bad = await Assert.ThrowsAsync<HubException>(() =>
            Downloader().DownloadAsync("../etc", "main", Out, null, null, CancellationToken.None));
        Assert.Contains("not a hub repo id", bad.Message);
    }

    [Fact]
    public void Hub_options_take_hf_endpoint_and_hf_token_from_the_environment_over_settings()
    {
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:Endpoint"] = "https://mirror.example/", ["Hub:ParallelFiles"] = "2" }).Build();
        var fromSettings = HubOptions.From(settings, _ => null);
        Assert.Equal("https://mirror.example", fromSettings.Endpoint);
        Assert.Equal(2, fromSettings.ParallelFiles);
        Assert.False(fromSettings.HasToken);

        var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = "https://other.example", ["HF_TOKEN"] = "hf_x" };
        var fromEnv = HubOptions.From(settings, name => env.GetValueOrDefault(name));
        Assert.Equal("https://other.example", fromEnv.Endpoint);
        Assert.Equal("hf_x", fromEnv.Token);
        Assert.Equal(HubOptions.DefaultEndpoint, HubOptions.From(null, _ => null).Endpoint);
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this records reports in order on the reporting thread.</summary>
    private sealed class SynchronousProgress(Action<HubDownloadProgress> report) : IProgress<HubDownloadProgress>
    {
        private readonly Lock gate = new();
        public void Report(HubDownloadProgress value) { lock (gate) report(value); }
    }
}
