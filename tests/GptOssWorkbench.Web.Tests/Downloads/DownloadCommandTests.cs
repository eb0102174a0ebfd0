namespace GptOssWorkbench.Web.Tests.Downloads;

using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Pipeline.Downloads;
using GptOssWorkbench.Web.Tests.Jobs;

/// <summary>
/// `gptoss download` as users run it: the real gptoss.dll as a child process against the fake hub on loopback.
/// (Here, not in Cli.Tests: FakeHub needs ASP.NET Core, and Cli.Tests must not reference it.)
/// </summary>
public sealed class DownloadCommandTests : IAsyncLifetime
{
    private const string Token = "hf_cli_secret_that_must_not_be_printed";
    private const string Weights = "model.safetensors";
    private readonly string _directory = Directory.CreateTempSubdirectory("workbench-cli-download-").FullName;
    private FakeHub _hub = null!;

    private string Out => Path.Combine(_directory, "gpt-oss-tiny");

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync(TinyModel.FolderPath);

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_download_places_the_served_files_prints_progress_on_stderr_and_inspects_the_folder()
    {
        var result = await Gptoss(token: Token, "download", FakeHub.Repo, "--out", Out, "--endpoint", _hub.Endpoint);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var name in _hub.FileNames) Assert.Equal(_hub.Bytes(name), File.ReadAllBytes(Path.Combine(Out, name)));
        Assert.Matches(@"MB, \d+/\d+ files, [\d.]+ MB/s", result.StdErr);
        Assert.Contains("layout     hf", result.StdOut);
        Assert.Contains("parameters", result.StdOut);
        Assert.Contains("GB resident", result.StdOut);
        Assert.DoesNotContain(Token, result.StdOut + result.StdErr);
        Assert.Contains("(token set)", result.StdErr);
        Assert.All(_hub.Requests.Where(r => r.Server != "cdn"), r => Assert.Equal($"Bearer {Token}", r.Authorization));
        using var json = JsonDocument.Parse(result.LastLine);
        Assert.Equal(FakeHub.Commit, json.RootElement.GetProperty("commit").GetString());
        Assert.Equal(CheckpointFacts().Parameters, json.RootElement.GetProperty("parameters").GetInt64());
        Assert.True(json.RootElement.GetProperty("ramBytes").GetInt64() > 0);
        // The tiny model fits in any machine's RAM: no warning.
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("ramWarning").ValueKind);
    }

    [Fact]
    public async Task A_second_run_resumes_the_half_file_an_interrupted_run_left_with_a_range_request()
    {
        var partial = HubDownloader.PartialDirectory(Out);
        Directory.CreateDirectory(partial);
        var half = _hub.Bytes(Weights)[..(_hub.Bytes(Weights).Length / 2)];
        File.WriteAllBytes(Path.Combine(partial, Weights + ".incomplete"), half);

        var result = await Gptoss(token: null, "download", FakeHub.Repo, "--out", Out, "--endpoint", _hub.Endpoint);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(_hub.Bytes(Weights), File.ReadAllBytes(Path.Combine(Out, Weights)));
        var weights = Assert.Single(_hub.Requests, r => r.Server == "cdn" && r.Path.EndsWith(Weights, StringComparison.Ordinal));
        Assert.Equal($"bytes={half.Length}-", weights.Range);
        Assert.Equal(206, weights.Status);
        Assert.False(Directory.Exists(partial));
    }

    [Fact]
    public async Task A_gated_repo_fails_with_one_line_that_says_to_accept_the_terms_and_places_nothing()
    {
        _hub.Gated = true;

        var result = await Gptoss(token: null, "download", FakeHub.Repo, "--out", Out, "--endpoint", _hub.Endpoint);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("download:", StringComparison.Ordinal));
        Assert.Contains($"{FakeHub.Repo} is gated", error);
        Assert.Contains("no HF_TOKEN is set", error);
        Assert.False(Directory.Exists(Out));
        Assert.DoesNotContain("   at ", result.StdErr); // a message, not a stack trace
    }

    [Fact]
    public async Task The_hub_token_setting_is_used_when_hf_token_is_not_set()
    {
        var result = await Gptoss(token: null, new Dictionary<string, string> { ["Hub__Token"] = "hf_from_setting" },
            "download", FakeHub.Repo, "--out", Out, "--endpoint", _hub.Endpoint);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("(token set)", result.StdErr);
        Assert.DoesNotContain("hf_from_setting", result.StdOut + result.StdErr);
        Assert.Contains(_hub.Requests, r => r.Authorization == "Bearer hf_from_setting");
    }

    [Fact]
    public async Task An_unknown_revision_fails_with_its_name_in_the_message()
    {
        var result = await Gptoss(token: null, "download", FakeHub.Repo, "--revision", "no-such-branch", "--out", Out, "--endpoint", _hub.Endpoint);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"download: Revision 'no-such-branch' does not exist in {FakeHub.Repo} (404)", result.StdErr);
        Assert.False(Directory.Exists(Out));
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    private static Web.Models.CheckpointFacts CheckpointFacts() => Web.Models.CheckpointFacts.Inspect(TinyModel.FolderPath);

    private sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string LastLine => StdOut.TrimEnd().Split('\n').Last().Trim();

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
    }

    private static Task<Result> Gptoss(string? token, params string[] args) => Gptoss(token, new Dictionary<string, string>(), args);

    private static async Task<Result> Gptoss(string? token, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(GptossDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("HF_ENDPOINT");
        if (token is null) start.Environment.Remove("HF_TOKEN");
        else start.Environment["HF_TOKEN"] = token;
        start.Environment.Remove("Hub__Token");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gptoss {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static string GptossDll => WorkerProcess.BuiltDll("GptOssWorkbench.Cli", "gptoss.dll");
}
