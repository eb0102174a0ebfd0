namespace GptOssWorkbench.Pipeline.Downloads;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Models;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

/// <summary>What an admin asked the Models page to download.</summary>
public sealed record ModelDownloadRequest(string Repo, string Revision, IReadOnlyList<string> IncludePatterns, string? UserId, string UserName);

/// <summary>A request the service refuses, with the reason for the user (e.g. the same download is already running).</summary>
public sealed class ModelDownloadRefusedException(string message) : Exception(message);

/// <summary>
/// Starts, lists and cancels hub downloads: writes the <see cref="ModelDownload"/> row first, then enqueues
/// <see cref="ModelDownloadJob"/>, like <c>RunLauncher</c> does for runs, so the row is the truth pages read.
/// </summary>
public sealed class ModelDownloadService(IDbContextFactory<WorkbenchDbContext> dbFactory, IBackgroundJobClient jobs, HubOptions hub,
    TimeProvider clock, ILogger<ModelDownloadService> logger)
{
    private static readonly ModelDownloadStatus[] Active = ModelDownload.ActiveStatuses;

    public async Task<ModelDownload> RequestAsync(ModelDownloadRequest request, CancellationToken cancellationToken = default)
    {
        var repo = request.Repo.Trim();
        var revision = string.IsNullOrWhiteSpace(request.Revision) ? "main" : request.Revision.Trim();
        try
        {
            HubClient.ValidateRepo(repo);
        }
        catch (HubException e)
        {
            throw new ModelDownloadRefusedException(e.Message);
        }
        if (revision.Length > 200 || revision.Any(char.IsWhiteSpace) || revision.Split('/').Any(p => p is "" or "." or ".."))
            throw new ModelDownloadRefusedException($"'{revision}' is not a revision: give a branch, tag or commit, e.g. main.");
        var patterns = request.IncludePatterns.Select(p => p.Trim()).Where(p => p.Length > 0).Distinct().ToList();

        var download = new ModelDownload
        {
            Repo = repo, Revision = revision, IncludePatterns = patterns.Count == 0 ? null : string.Join('\n', patterns),
            TargetFolder = TargetFolder(repo, revision), RequestedByUserId = request.UserId, RequestedBy = request.UserName,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await db.ModelDownloads.AsNoTracking().FirstOrDefaultAsync(d => d.Repo == repo && d.Revision == revision && Active.Contains(d.Status), cancellationToken) is { } running)
                throw AlreadyRunning(running);
            db.ModelDownloads.Add(download);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // The unique filtered index: another request for the same repo and revision won the race.
                throw new ModelDownloadRefusedException($"{repo}@{revision} is already being downloaded.");
            }
        }
        download.JobId = await EnqueueAsync(download.Id, cancellationToken);
        return download;
    }

    public async Task<IReadOnlyList<ModelDownload>> RecentAsync(int take = 10, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ModelDownloads.AsNoTracking().OrderByDescending(d => d.Id).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>A queued download is cancelled at once; a running one at the job's next progress write (within <see cref="HubOptions.ProgressInterval"/>).</summary>
    public async Task<bool> CancelAsync(long id, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var queued = await db.ModelDownloads.Where(d => d.Id == id && d.Status == ModelDownloadStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, ModelDownloadStatus.Cancelled).SetProperty(d => d.CancellationRequested, true)
                .SetProperty(d => d.FinishedAt, now).SetProperty(d => d.UpdatedAt, now), cancellationToken);
        if (queued > 0) return true;
        return await db.ModelDownloads.Where(d => d.Id == id && Active.Contains(d.Status))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.CancellationRequested, true), cancellationToken) > 0;
    }

    /// <summary>
    /// On start: downloads a restart interrupted are enqueued again and resume from the bytes on disk. Embedded mode
    /// (the in-memory queue died with the process) also takes back running ones; in the distributed mode a worker may
    /// still be running them, and Hangfire hands a dead worker's job to another.
    /// </summary>
    public async Task RecoverAsync(bool requeueRunning, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (requeueRunning)
        {
            // Back to Queued before the new job exists: it claims by status, and may start before its id is recorded.
            await db.ModelDownloads.Where(d => d.Status == ModelDownloadStatus.Downloading || d.Status == ModelDownloadStatus.Verifying)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, ModelDownloadStatus.Queued), cancellationToken);
        }
        var ids = await db.ModelDownloads.Where(d => d.Status == ModelDownloadStatus.Queued).Select(d => d.Id).ToListAsync(cancellationToken);
        foreach (var id in ids) await EnqueueAsync(id, cancellationToken);
        if (ids.Count > 0) logger.LogWarning("Resuming {Count} interrupted model download(s): {Ids}", ids.Count, string.Join(", ", ids));
    }

    /// <summary>&lt;DownloadRoot&gt;/owner--name (main) or owner--name--revision: readable, one folder per repo and revision.</summary>
    public string TargetFolder(string repo, string revision)
    {
        var folder = repo.Replace("/", "--", StringComparison.Ordinal);
        if (revision != "main") folder += "--" + string.Concat(revision.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.GetFullPath(Path.Combine(hub.DownloadRoot ?? Path.Combine("data", "models"), folder));
    }

    /// <summary>The name a finished download is registered under: the repo id, plus @revision when not main.</summary>
    public static string ModelNameFor(ModelDownload download) => download.Revision == "main" ? download.Repo : $"{download.Repo}@{download.Revision}";

    private async Task<string> EnqueueAsync(long id, CancellationToken cancellationToken)
    {
        var jobId = jobs.Enqueue<ModelDownloadJob>(job => job.RunAsync(id, null, CancellationToken.None));
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.ModelDownloads.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.JobId, jobId), cancellationToken);
        return jobId;
    }

    private static ModelDownloadRefusedException AlreadyRunning(ModelDownload running) =>
        new($"{running.Repo}@{running.Revision} is already being downloaded (download {running.Id}, {running.Status.ToString().ToLowerInvariant()}"
            + (running.BytesTotal > 0 ? $", {100.0 * running.BytesDone / running.BytesTotal:F0} %" : "") + ").");
}
