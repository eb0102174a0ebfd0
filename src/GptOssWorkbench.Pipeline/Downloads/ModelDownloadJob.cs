namespace GptOssWorkbench.Pipeline.Downloads;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Pipeline.Models;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

/// <summary>
/// The Hangfire job behind "Download a model": runs <see cref="HubDownloader"/> into the row's target folder, writes
/// progress to the row every <see cref="HubOptions.ProgressInterval"/> (and reads the cancel flag then), and when the
/// folder is complete registers it through <see cref="ModelCatalog.RegisterAsync(string, string, ModelDefaults?, string?, CancellationToken)"/>,
/// the same path as "Add a model folder", so it is validated and listed like any model.
/// Not retried by Hangfire: a failure is an answer for the user (the row says why), and pressing Download again resumes.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class ModelDownloadJob(IDbContextFactory<WorkbenchDbContext> dbFactory, HubClient client, HubOptions hub, ModelCatalog catalog,
    TimeProvider clock, ILogger<ModelDownloadJob> logger, ILogger<HubDownloader> downloaderLogger)
{
    private static readonly ModelDownloadStatus[] Active = ModelDownload.ActiveStatuses;

    public async Task RunAsync(long downloadId, PerformContext? context, CancellationToken shutdown)
    {
        var jobId = context?.BackgroundJob.Id;
        var download = await ClaimAsync(downloadId, jobId, shutdown);
        if (download is null) return;

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var latest = new LatestProgress();
        using var stopWriter = new CancellationTokenSource();
        var writer = WriteProgressAsync(downloadId, latest, cancel, stopWriter.Token);
        HubDownloadResult? result = null;
        string? failure = null;
        try
        {
            var downloader = new HubDownloader(client, hub, downloaderLogger);
            var includes = download.IncludePatterns?.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            result = await downloader.DownloadAsync(download.Repo, download.Revision, download.TargetFolder, includes, latest, cancel.Token);
        }
        catch (HubException e)
        {
            failure = e.Message;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // A shutdown is not a cancel: the row stays Downloading and the next start resumes it (RecoverAsync).
            await StopAsync(stopWriter, writer);
            throw;
        }
        catch (OperationCanceledException)
        {
            await StopAsync(stopWriter, writer);
            // Cancelled by the user: the partial files go too, a cancelled download should give its disk space back.
            TryDelete(HubDownloader.PartialDirectory(download.TargetFolder));
            await FinishAsync(downloadId, ModelDownloadStatus.Cancelled, null, null, latest.Value);
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            failure = $"Downloading {download.Repo}@{download.Revision} failed: {e.Message}";
        }
        await StopAsync(stopWriter, writer);
        if (failure is not null || result is null)
        {
            logger.LogWarning("Model download {Id} ({Repo}@{Revision}) failed: {Error}", downloadId, download.Repo, download.Revision, failure);
            await FinishAsync(downloadId, ModelDownloadStatus.Failed, failure, null, latest.Value);
            return;
        }

        await SetStatusAsync(downloadId, ModelDownloadStatus.Verifying, result.Revision.Commit);
        var name = ModelDownloadService.ModelNameFor(download);
        try
        {
            var existing = await catalog.FindAsync(name, CancellationToken.None);
            if (existing is null)
            {
                await catalog.RegisterAsync(name, result.Directory, createdByUserId: download.RequestedByUserId, cancellationToken: CancellationToken.None);
                await RecordModelAddedAsync(download, name, result);
            }
            else if (!string.Equals(Path.GetFullPath(existing.FolderPath), result.Directory, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The files are in {result.Directory}, but a model named '{name}' is already registered for {existing.FolderPath}; add the folder under another name.");
            }
        }
        catch (Exception e) when (e is CheckpointException or ArgumentException or IOException or DbUpdateException)
        {
            var message = e is CheckpointException ? $"The files are in {result.Directory}, but they are not a checkpoint the engine can load: {e.Message}" : e.Message;
            await FinishAsync(downloadId, ModelDownloadStatus.Failed, message, null, latest.Value);
            return;
        }
        await FinishAsync(downloadId, ModelDownloadStatus.Completed, null, name, latest.Value);
        logger.LogInformation("Model download {Id}: {Repo}@{Commit} registered as {Name} in {Folder}", downloadId, download.Repo, result.Revision.Commit, name, result.Directory);
    }

    /// <summary>
    /// Queued → Downloading, or taking back a row this very job (by Hangfire id) was running before a restart. A second
    /// job for the same row (a recovery racing a slow start) finds it claimed and does nothing.
    /// </summary>
    private async Task<ModelDownload?> ClaimAsync(long id, string? jobId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var claimed = await db.ModelDownloads
            .Where(d => d.Id == id && !d.CancellationRequested && (d.Status == ModelDownloadStatus.Queued || (jobId != null && d.JobId == jobId && Active.Contains(d.Status))))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, ModelDownloadStatus.Downloading).SetProperty(d => d.StartedAt, now)
                .SetProperty(d => d.UpdatedAt, now).SetProperty(d => d.Error, (string?)null), cancellationToken);
        var download = await db.ModelDownloads.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (claimed == 0)
        {
            if (download is { CancellationRequested: true, IsActive: true })
                await FinishAsync(id, ModelDownloadStatus.Cancelled, null, null, null);
            logger.LogInformation("Model download {Id} is {Status}; job {JobId} has nothing to do", id, download?.Status, jobId);
            return null;
        }
        return download;
    }

    private async Task WriteProgressAsync(long id, LatestProgress latest, CancellationTokenSource cancel, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(hub.ProgressInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var p = latest.Value;
                var now = clock.GetUtcNow().UtcDateTime;
                await using var db = await dbFactory.CreateDbContextAsync(stop);
                if (p is not null)
                {
                    // The last file's hash is checked after its last byte: show that as Verifying, not a stuck 100 %.
                    var status = p.BytesDone >= p.BytesTotal && p.BytesTotal > 0 ? ModelDownloadStatus.Verifying : ModelDownloadStatus.Downloading;
                    await db.ModelDownloads.Where(d => d.Id == id && Active.Contains(d.Status)).ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.BytesDone, p.BytesDone).SetProperty(d => d.BytesTotal, p.BytesTotal)
                        .SetProperty(d => d.BytesPerSecond, p.BytesPerSecond).SetProperty(d => d.FilesDone, p.FilesDone)
                        .SetProperty(d => d.FilesTotal, p.FilesTotal).SetProperty(d => d.Status, status).SetProperty(d => d.UpdatedAt, now), stop);
                }
                if (await db.ModelDownloads.AnyAsync(d => d.Id == id && d.CancellationRequested, stop)) await cancel.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
        {
            // Progress is a courtesy: a failed write must not fail the download; the final status is written separately.
            logger.LogWarning("Model download {Id}: could not write progress: {Error}", id, e.Message);
        }
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task writer)
    {
        await stop.CancelAsync();
        await writer;
    }

    private async Task SetStatusAsync(long id, ModelDownloadStatus status, string commit)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.ModelDownloads.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status)
            .SetProperty(d => d.Commit, commit).SetProperty(d => d.UpdatedAt, now));
    }

    private async Task FinishAsync(long id, ModelDownloadStatus status, string? error, string? modelName, HubDownloadProgress? progress)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync();
        var row = await db.ModelDownloads.FirstAsync(d => d.Id == id);
        row.Status = status;
        row.Error = error is { Length: > 2000 } ? error[..2000] : error;
        row.ModelName = modelName;
        row.FinishedAt = now;
        row.UpdatedAt = now;
        if (progress is not null)
        {
            row.BytesDone = progress.BytesDone;
            row.BytesTotal = progress.BytesTotal;
            row.FilesDone = progress.FilesDone;
            row.FilesTotal = progress.FilesTotal;
        }
        await db.SaveChangesAsync();
    }

    /// <summary>The same "model.added" entry the Models page writes, on behalf of the admin who asked for the download.</summary>
    private async Task RecordModelAddedAsync(ModelDownload download, string name, HubDownloadResult result)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        db.AuditLog.Add(new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime, Action = AuditActions.ModelAdded, ActorId = download.RequestedByUserId,
            Actor = download.RequestedBy, RemoteAddress = "download job", Target = $"model:{name}",
            Details = $"downloaded {download.Repo}@{result.Revision.Commit} ({result.Files.Count} files) into {result.Directory}",
        });
        await db.SaveChangesAsync();
    }

    private void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException e)
        {
            logger.LogWarning("Could not remove {Directory} after a cancelled download: {Error}", directory, e.Message);
        }
    }

    /// <summary>Keeps only the newest snapshot; the writer loop stores it at its own pace.</summary>
    private sealed class LatestProgress : IProgress<HubDownloadProgress>
    {
        private HubDownloadProgress? _value;

        public HubDownloadProgress? Value => Volatile.Read(ref _value);

        public void Report(HubDownloadProgress value) => Volatile.Write(ref _value, value);
    }
}
