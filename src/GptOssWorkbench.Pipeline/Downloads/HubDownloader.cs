namespace GptOssWorkbench.Pipeline.Downloads;

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// Downloads a selection of a hub revision into a model folder: files in parallel, each into
/// `&lt;out&gt;.partial/&lt;file&gt;.incomplete`, resumed with a Range request after a dropped connection or in a later
/// run, sha256-verified (LFS) or size-verified (plain git files) before it is renamed to its name; the folder is moved
/// to `&lt;out&gt;` only when every file is verified, so the loader never sees half a model.
/// </summary>
public sealed class HubDownloader(HubClient client, HubOptions options, ILogger? logger = null)
{
    private const string IncompleteSuffix = ".incomplete";
    private readonly ILogger log = logger ?? NullLogger.Instance;

    /// <summary>Free bytes on the drive holding a path; replaceable so tests can check the refusal without filling a disk.</summary>
    public Func<string, long> FreeSpace { get; init; } = path => new DriveInfo(Path.GetPathRoot(Path.GetFullPath(path))!).AvailableFreeSpace;

    public static string PartialDirectory(string outDirectory) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDirectory)) + ".partial";

    public async Task<HubDownloadResult> DownloadAsync(string repo, string revision, string outDirectory, IReadOnlyList<string>? includes,
        IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        outDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDirectory));
        log.LogInformation("Downloading {Repo}@{Revision} from {Endpoint} into {Directory} (token set: {HasToken})",
            repo, revision, options.Endpoint, outDirectory, options.HasToken);
        var listed = await client.ListAsync(repo, revision, cancellationToken);
        var files = HubFileSelection.Select(listed.Files, includes);
        if (files.Count == 0)
            throw new HubException($"No file of {repo}@{revision} matches {(includes is { Count: > 0 } ? "--include " + string.Join(", ", includes) : "the default selection (config.json, *.safetensors, tokenizer…)")}.");
        var total = files.Sum(f => f.Size);

        if (Directory.Exists(outDirectory))
        {
            // A finished folder from an earlier run: nothing to fetch. Anything else there is not ours to overwrite.
            var missing = files.Where(f => !File.Exists(Path.Combine(outDirectory, f.Path)) || new FileInfo(Path.Combine(outDirectory, f.Path)).Length != f.Size).ToList();
            if (missing.Count == 0)
            {
                progress?.Report(new HubDownloadProgress(total, total, 0, TimeSpan.Zero, files.Count, files.Count));
                return new HubDownloadResult(outDirectory, listed, files, 0);
            }
            throw new HubException($"{outDirectory} already exists and lacks {missing.Count} of the selected files (e.g. {missing[0].Path}); choose another --out or remove it.");
        }

        var partial = PartialDirectory(outDirectory);
        Directory.CreateDirectory(partial);
        long done = 0;
        var pending = new List<HubFile>();
        foreach (var file in files)
        {
            var target = Path.Combine(partial, file.Path);
            if (File.Exists(target) && new FileInfo(target).Length == file.Size) { done += file.Size; continue; } // verified in an earlier run
            var incomplete = target + IncompleteSuffix;
            var have = File.Exists(incomplete) ? Math.Min(new FileInfo(incomplete).Length, file.Size) : 0;
            done += have;
            pending.Add(file);
        }

        var needed = total - done;
        var free = FreeSpace(partial);
        if (needed + options.DiskReserveBytes > free)
            throw new HubException($"Not enough disk space for {repo}@{revision}: {needed / 1e9:F2} GB still to download + {options.DiskReserveBytes / 1e9:F2} GB reserve, but only {free / 1e9:F2} GB free on the drive of {partial}. Nothing was downloaded.");

        var failures = new System.Collections.Concurrent.ConcurrentBag<HubException>();
        var tracker = new ProgressTracker(done, total, files.Count, files.Count - pending.Count, progress);
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.ParallelFiles), CancellationToken = cancellationToken },
            async (file, ct) =>
            {
                // One failed file does not stop the others: whatever finishes is verified now and skipped by the next run.
                try { await FetchVerifiedAsync(listed, file, Path.Combine(partial, file.Path), tracker, ct); }
                catch (HubException e) { failures.Add(e); }
            });
        tracker.Report(force: true);
        if (!failures.IsEmpty)
        {
            var first = failures.First();
            throw failures.Count == 1 ? first : new HubException($"{failures.Count} files failed; first: {first.Message}", first);
        }

        Directory.Move(partial, outDirectory); // atomic on one file system: the folder appears complete or not at all
        log.LogInformation("Downloaded {Repo}@{Commit}: {Files} files, {Bytes} bytes fetched", repo, listed.Commit, files.Count, tracker.Fetched);
        return new HubDownloadResult(outDirectory, listed, files, tracker.Fetched);
    }

    private async Task FetchVerifiedAsync(HubRevision revision, HubFile file, string target, ProgressTracker tracker, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var incomplete = target + IncompleteSuffix;
        for (var attempt = 1; ; attempt++)
        {
            await TransferAsync(revision, file, incomplete, tracker, ct);
            var problem = await VerifyAsync(file, incomplete, ct);
            if (problem is null) break;
            var length = new FileInfo(incomplete).Length;
            File.Delete(incomplete);
            tracker.Add(-length);
            if (attempt >= 2)
                throw new HubException($"{file.Path} of {revision.Repo}@{revision.Revision} failed verification twice ({problem}); the corrupt file was deleted.");
            log.LogWarning("{File} failed verification ({Problem}); fetching it again", file.Path, problem);
        }
        File.Move(incomplete, target, overwrite: true);
        tracker.FileDone();
    }

    /// <summary>Brings the .incomplete file to the listed size, resuming from what is there after each dropped connection.</summary>
    private async Task TransferAsync(HubRevision revision, HubFile file, string incomplete, ProgressTracker tracker, CancellationToken ct)
    {
        for (var drops = 0; ; )
        {
            var have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
            if (have > file.Size) { File.Delete(incomplete); tracker.Add(-have); have = 0; }
            if (have == file.Size && file.Size > 0) return;
            try
            {
                using var response = await client.OpenAsync(revision, file, have, ct);
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                {
                    // The server says we already have everything (or more): let verification judge the bytes.
                    return;
                }
                await using var stream = new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                if (have > 0 && response.StatusCode != HttpStatusCode.PartialContent)
                {
                    // The server ignored the range and sends the whole file: start over instead of appending a second copy.
                    stream.SetLength(0);
                    tracker.Add(-have);
                }
                else if (have > 0 && response.Content.Headers.ContentRange?.From is { } from && from != have)
                {
                    throw new HubException($"The server resumed {file.Path} at byte {from}, not at {have} as asked.");
                }
                stream.Seek(0, SeekOrigin.End);
                await using var body = await response.Content.ReadAsStreamAsync(ct);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, ct)) > 0)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read), ct);
                    tracker.Add(read, fetched: true);
                }
                await stream.FlushAsync(ct);
                if (stream.Length >= file.Size) return;
                throw new IOException($"connection closed after {stream.Length} of {file.Size} bytes");
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                if (++drops > options.ResumeAttempts)
                    throw new HubException($"Downloading {file.Path} of {revision.Repo}@{revision.Revision} failed {drops} times ({e.Message}); run the download again to resume from the bytes already on disk.", e);
                log.LogWarning("{File}: {Error}; resuming ({Attempt}/{Max})", file.Path, e.Message, drops, options.ResumeAttempts);
            }
        }
    }

    private static async Task<string?> VerifyAsync(HubFile file, string path, CancellationToken ct)
    {
        var length = File.Exists(path) ? new FileInfo(path).Length : 0;
        if (length != file.Size) return $"size {length}, expected {file.Size}";
        if (file.Sha256 is null) return null;
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        return actual == file.Sha256 ? null : $"sha256 {actual}, expected {file.Sha256}";
    }

    /// <summary>Counts bytes across the parallel files and reports at most a few times a second.</summary>
    private sealed class ProgressTracker(long done, long total, int filesTotal, int filesDone, IProgress<HubDownloadProgress>? progress)
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly long startBytes = done;
        private long done = done;
        private long fetched;
        private int filesDone = filesDone;
        private long lastReportTicks = long.MinValue;

        public long Fetched => Interlocked.Read(ref fetched);

        public void Add(long bytes, bool fetched = false)
        {
            Interlocked.Add(ref done, bytes);
            if (fetched) Interlocked.Add(ref this.fetched, bytes);
            Report(force: false);
        }

        public void FileDone()
        {
            Interlocked.Increment(ref filesDone);
            Report(force: true);
        }

        public void Report(bool force)
        {
            if (progress is null) return;
            var now = clock.ElapsedTicks;
            var last = Interlocked.Read(ref lastReportTicks);
            if (!force && now - last < Stopwatch.Frequency / 4) return;
            if (!force && Interlocked.CompareExchange(ref lastReportTicks, now, last) != last) return;
            if (force) Interlocked.Exchange(ref lastReportTicks, now);
            var bytes = Interlocked.Read(ref done);
            var seconds = clock.Elapsed.TotalSeconds;
            var speed = seconds > 0 ? Math.Max(0, bytes - startBytes) / seconds : 0;
            TimeSpan? eta = speed > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - bytes) / speed) : null;
            progress.Report(new HubDownloadProgress(bytes, total, speed, eta, Volatile.Read(ref filesDone), filesTotal));
        }
    }
}
