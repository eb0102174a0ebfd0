namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Pipeline.Downloads;
using GptOssWorkbench.Pipeline.Models;
using Microsoft.Extensions.Configuration;

/// <summary>
/// `gptoss download`: fetches what the engine needs of a hub repo (resumable, sha256-verified, placed atomically; see
/// HubDownloader), then inspects the folder like `gptoss inspect` and warns when this machine's RAM cannot hold it.
/// Progress goes to stderr so stdout stays the summary and a JSON last line, like the other commands.
/// </summary>
public static class DownloadCommand
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Hub repo id, e.g. openai/gpt-oss-20b" };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit", DefaultValueFactory = _ => "main" };
        var output = new Option<string?>("--out") { Description = "Folder to place the model in (default: ./<repo name>); it appears only when complete" };
        var include = new Option<string[]>("--include")
        {
            Description = "fnmatch pattern (`*` also matches `/`); repeatable; replaces the default selection (config, safetensors + index, tokenizer, generation config)",
        };
        var endpoint = new Option<string?>("--endpoint") { Description = $"Hub or mirror URL (default: HF_ENDPOINT, else {HubOptions.DefaultEndpoint})" };

        var command = new Command("download", "Download a model from the Hugging Face hub (token from HF_TOKEN or Hub__Token), verify it and inspect it");
        command.Arguments.Add(repo);
        foreach (var option in new Option[] { revision, output, include, endpoint }) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(repo)!, parse.GetValue(revision)!, parse.GetValue(output),
            parse.GetValue(include) ?? [], parse.GetValue(endpoint), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string repo, string revision, string? output, string[] includes, string? endpoint, CancellationToken cancellationToken)
    {
        // The same settings as the web app, from the environment: HF_TOKEN / HF_ENDPOINT win, then Hub__Token,
        // Hub__Endpoint, Hub__ParallelFiles (a machine configured for the workbench needs nothing more for the CLI).
        var options = HubOptions.From(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        if (!string.IsNullOrWhiteSpace(endpoint)) options.Endpoint = endpoint.TrimEnd('/');
        var directory = Path.GetFullPath(output ?? repo.Split('/')[^1]);
        using var http = HubClient.CreateHttpClient();
        var downloader = new HubDownloader(new HubClient(http, options), options);
        // Never the token itself: only whether one is set, so a pasted log cannot leak it.
        Console.Error.WriteLine($"Downloading {repo}@{revision} from {options.Endpoint} into {directory} ({(options.HasToken ? "token set" : "no token: set HF_TOKEN for gated repos")})");
        HubDownloadResult result;
        var clock = Stopwatch.StartNew();
        try
        {
            result = await downloader.DownloadAsync(repo, revision, directory, includes, new ProgressLines(), cancellationToken);
        }
        catch (HubException e)
        {
            Console.Error.WriteLine($"download: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"download: cancelled; run the same command again to resume from {HubDownloader.PartialDirectory(directory)}.");
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            Console.Error.WriteLine($"download: {e.Message}");
            return 1;
        }

        Console.WriteLine($"Downloaded {repo}@{result.Revision.Commit}: {result.Files.Count} file(s), {result.BytesFetched / 1e6:F1} MB fetched in {clock.Elapsed.TotalSeconds:F1} s into {result.Directory}");
        CheckpointInfo info;
        try
        {
            info = CheckpointLoader.Inspect(result.Directory);
        }
        catch (CheckpointException e)
        {
            Console.Error.WriteLine($"download: the files are in {result.Directory}, but they are not a checkpoint the engine can load: {e.Message}");
            return 1;
        }
        var ram = MachineMemory.TotalBytes();
        var warning = MachineMemory.Warning(info.WeightBytes, ram);
        var c = info.Config;
        Console.WriteLine($"  layout     {info.Layout.Name()}, {info.Files.Count} file(s), {info.TensorCount} tensors");
        Console.WriteLine($"  parameters {info.ParameterCount() / 1e9:F3} B ({c.NumLayers} layers, {c.NumExperts} experts, top {c.ExpertsPerToken} per token)");
        Console.WriteLine($"  memory     weights {info.WeightBytes / 1e9:F3} GB resident + {info.KvBytesPerToken() / 1024.0:F1} KiB KV per token + {info.SlidingKvBytesPerSequence() / 1048576.0:F2} MiB sliding KV per sequence (bf16); this machine has {ram / 1e9:F1} GB RAM");
        Console.WriteLine($"  fingerprint {info.Fingerprint}");
        if (warning is not null) Console.Error.WriteLine($"warning: {warning}");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            directory = result.Directory, repo, revision, commit = result.Revision.Commit, files = result.Files.Select(f => f.Path), bytesFetched = result.BytesFetched,
            layout = info.Layout.Name(), parameters = info.ParameterCount(), weightBytes = info.WeightBytes, ramBytes = ram, ramWarning = warning,
        }));
        return 0;
    }

    /// <summary>One progress line at most every second (and the last one), written on the reporting thread.</summary>
    private sealed class ProgressLines : IProgress<HubDownloadProgress>
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();
        private readonly Lock _gate = new();
        private bool _first = true;

        public void Report(HubDownloadProgress value)
        {
            lock (_gate)
            {
                var last = value.BytesDone == value.BytesTotal && value.FilesDone == value.FilesTotal;
                if (!_first && !last && _since.Elapsed < ProgressEvery) return;
                _first = false;
                _since.Restart();
                Console.Error.WriteLine(value.ToString());
            }
        }
    }
}
