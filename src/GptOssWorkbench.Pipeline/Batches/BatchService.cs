namespace GptOssWorkbench.Pipeline.Batches;

using GptOssWorkbench.Pipeline.Models;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Batch jobs: import a CSV/JSONL file over a matrix (items and their runs written in one transaction, then
/// enqueued), progress, pause/resume/cancel, retry of failed items, export.
/// </summary>
public sealed class BatchService(
    IDbContextFactory<WorkbenchDbContext> dbFactory, RunLauncher launcher, RunCancellations cancellations, TimeProvider clock, ModelCatalog catalog)
{
    public BatchImportLimits Limits { get; init; } = new();

    /// <summary>
    /// Reads and validates the whole file, expands it over the matrix and stores the batch, its items and one queued
    /// run per item in one transaction; then enqueues the runs. A bad file, an unknown model or a bad matrix throws
    /// <see cref="BatchImportException"/> (file, line, field, reason) and stores nothing.
    /// </summary>
    public async Task<BatchJob> ImportAsync(Stream file, string fileName, BatchImportRequest request, BatchRunOptions? runOptions = null,
        CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The catalog, not the table: remote models (Models:Remote) live in configuration only and mix with local ones.
        var models = (await catalog.ListAsync(cancellationToken)).ToDictionary(m => m.Name);
        var unknown = request.Matrix.Models.FirstOrDefault(m => !models.ContainsKey(m));
        if (unknown is not null)
            throw new BatchImportException(fileName, null, "matrix", $"model '{unknown}' is not registered");
        if (runOptions?.TopLogprobs is < 0 or > RunSettings.MaxTopLogprobs)
            throw new BatchImportException(fileName, null, "top_logprobs", $"must be between 0 and {RunSettings.MaxTopLogprobs} (got {runOptions.TopLogprobs})");

        BatchJob batch;
        var runs = new List<Run>();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            batch = await BatchImporter.ImportAsync(db, file, fileName, request, Limits, now, cancellationToken);
            foreach (var item in batch.Items)
            {
                var defaults = models[item.ModelName].Defaults;
                var manifest = new RunManifest
                {
                    ModelName = item.ModelName,
                    ReasoningEffort = item.ReasoningEffort ?? defaults.ReasoningEffort,
                    Temperature = item.Temperature ?? defaults.Temperature,
                    TopP = runOptions?.TopP ?? defaults.TopP,
                    TopK = defaults.TopK,
                    MinP = defaults.MinP,
                    MaxTokens = runOptions?.MaxTokens ?? defaults.MaxTokens,
                    StopSequences = [.. runOptions?.Stop ?? []],
                    Logprobs = runOptions?.TopLogprobs is not null,
                    TopLogprobs = runOptions?.TopLogprobs ?? 0,
                    Seed = item.Seed,
                    SystemInstructions = item.SystemInstructions ?? defaults.SystemInstructions,
                    DeveloperInstructions = item.DeveloperInstructions,
                };
                runs.Add(new Run
                {
                    Source = RunSource.Batch, BatchJobId = batch.Id, BatchItemId = item.Id, PromptText = item.Prompt,
                    Manifest = manifest, CreatedAt = now, CreatedByUserId = request.CreatedByUserId,
                });
            }
            db.Runs.AddRange(runs);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await launcher.EnqueueAsync(runs.Select(r => r.Id).ToList());
        return batch;
    }

    public async Task<BatchProgress> GetProgressAsync(long batchId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var batch = await db.BatchJobs.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId, cancellationToken)
            ?? throw new KeyNotFoundException($"Batch {batchId} does not exist.");
        var counts = await db.Runs.Where(r => r.BatchJobId == batchId).GroupBy(r => r.Status)
            .Select(g => new { Status = g.Key, Count = g.Count(), Tokens = g.Sum(r => r.OutputTokens) }).ToListAsync(cancellationToken);
        int Count(RunStatus status) => counts.FirstOrDefault(c => c.Status == status)?.Count ?? 0;
        var succeeded = Count(RunStatus.Succeeded);
        var failed = Count(RunStatus.Failed);
        var cancelled = Count(RunStatus.Cancelled);
        var done = succeeded + failed + cancelled;
        var tokens = counts.Where(c => c.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled).Sum(c => c.Tokens);

        var end = batch.FinishedAt ?? clock.GetUtcNow().UtcDateTime;
        var elapsed = batch.StartedAt is { } start ? (end - start).TotalSeconds : 0;
        var remaining = Count(RunStatus.Queued) + Count(RunStatus.Running);
        TimeSpan? eta = done > 0 && elapsed > 0 && remaining > 0 && batch.Status != BatchStatus.Paused
            ? TimeSpan.FromSeconds(elapsed / done * remaining)
            : null;

        var failures = await db.Runs.AsNoTracking().Where(r => r.BatchJobId == batchId && r.Status == RunStatus.Failed)
            .OrderByDescending(r => r.FinishedAt).Take(20)
            .Select(r => new BatchFailure(r.Id, r.BatchItem!.Order, r.BatchItem.SourceLine, r.Error)).ToListAsync(cancellationToken);
        return new BatchProgress(batch.Id, batch.Name, batch.Status, batch.ItemCount, done, succeeded, failed, cancelled,
            Count(RunStatus.Running), Count(RunStatus.Queued), elapsed > 0 ? tokens / elapsed : 0, eta, failures);
    }

    /// <summary>Queued items wait (running ones finish); <see cref="ResumeAsync"/> continues.</summary>
    public async Task PauseAsync(long batchId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var batch = await FindAsync(db, batchId, cancellationToken);
        if (batch.Status is not (BatchStatus.Queued or BatchStatus.Running))
            throw new InvalidOperationException($"Batch {batchId} is {batch.Status}; only a queued or running batch can be paused.");
        batch.Status = BatchStatus.Paused;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task ResumeAsync(long batchId, CancellationToken cancellationToken = default)
    {
        List<long> queued;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var batch = await FindAsync(db, batchId, cancellationToken);
            if (batch.Status != BatchStatus.Paused)
                throw new InvalidOperationException($"Batch {batchId} is {batch.Status}, not paused.");
            batch.Status = batch.StartedAt is null ? BatchStatus.Queued : BatchStatus.Running;
            await db.SaveChangesAsync(cancellationToken);
            await BatchCounters.RecountAsync(db, batchId, cancellationToken);
            queued = await db.Runs.Where(r => r.BatchJobId == batchId && r.Status == RunStatus.Queued).Select(r => r.Id).ToListAsync(cancellationToken);
        }
        // Jobs that ran while paused left their runs queued and ended; jobs still waiting in Hangfire find the run
        // claimed by whichever job comes first, so enqueueing again never runs an item twice.
        await launcher.EnqueueAsync(queued);
    }

    /// <summary>Cancels every queued item and stops running ones; finished items are kept.</summary>
    public async Task CancelAsync(long batchId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var batch = await FindAsync(db, batchId, cancellationToken);
        if (batch.Status is BatchStatus.Completed or BatchStatus.Cancelled) return;
        batch.Status = BatchStatus.Cancelled;
        batch.FinishedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);

        var running = await db.Runs.Where(r => r.BatchJobId == batchId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
            .Select(r => r.Id).ToListAsync(cancellationToken);
        await db.Runs.Where(r => r.BatchJobId == batchId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancellationRequested, true), cancellationToken);
        foreach (var id in running) cancellations.Cancel(id);

        // Queued runs have no worker to notice; cancel them here in pages (a run claimed meanwhile stops by its flag).
        var now = clock.GetUtcNow().UtcDateTime;
        while (true)
        {
            db.ChangeTracker.Clear();
            var page = await db.Runs.Where(r => r.BatchJobId == batchId && r.Status == RunStatus.Queued).Take(500).ToListAsync(cancellationToken);
            if (page.Count == 0) break;
            foreach (var run in page)
            {
                run.MoveTo(RunStatus.Cancelled, now);
                run.FinishReason = "cancelled";
            }
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A worker claimed one of them; the next page query skips it.
            }
        }
        db.ChangeTracker.Clear();
        await BatchCounters.RecountAsync(db, batchId, cancellationToken);
    }

    /// <summary>Queues the failed items again (their runs are reused, old output removed); returns how many.</summary>
    public async Task<int> RetryFailedAsync(long batchId, CancellationToken cancellationToken = default)
    {
        List<long> retried;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var batch = await FindAsync(db, batchId, cancellationToken);
            var failed = await db.Runs.Include(r => r.Messages).Where(r => r.BatchJobId == batchId && r.Status == RunStatus.Failed)
                .ToListAsync(cancellationToken);
            if (failed.Count == 0) return 0;
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var run in failed) RunControl.PrepareRetry(db, run, now);
            if (batch.Status is BatchStatus.Completed or BatchStatus.Cancelled)
            {
                batch.Status = BatchStatus.Running;
                batch.FinishedAt = null;
            }
            await db.SaveChangesAsync(cancellationToken);
            await BatchCounters.RecountAsync(db, batchId, cancellationToken);
            retried = failed.Select(r => r.Id).ToList();
        }
        await launcher.EnqueueAsync(retried);
        return retried.Count;
    }

    /// <summary>Accuracy per setting over the items with a reference answer; empty when the file had no "expected" column.</summary>
    public async Task<IReadOnlyList<SettingAccuracy>> GetAccuracyAsync(long batchId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await BatchAccuracy.ComputeAsync(db, batchId, cancellationToken);
    }

    /// <summary>One JSON object per item: prompt, metadata, reasoning, commentary and answer in separate fields, then the manifest.</summary>
    /// <param name="withReasoning">False when the exporter's role may not see reasoning (see BatchExporter).</param>
    /// <param name="includeFlagged">True when the exporter asked for flagged runs too; by default they are left out.</param>
    public async Task<BatchExportSummary> ExportJsonlAsync(long batchId, Stream output, CancellationToken cancellationToken = default, bool withReasoning = true,
        bool includeFlagged = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await BatchExporter.WriteJsonlAsync(db, batchId, output, cancellationToken,
            id => System.Text.Encoding.UTF8.GetString(GptOssWorkbench.Engine.Harmony.HarmonyTokenizer.Shared.TokenBytes(id)), withReasoning, includeFlagged);
    }

    /// <summary>
    /// The same columns as <see cref="ExportJsonlAsync"/> as CSV with a header row; for a spreadsheet, text that would
    /// run as a formula is neutralised (JSONL and <see cref="CsvTarget.Exact"/> stay byte for byte).
    /// </summary>
    public async Task<BatchExportSummary> ExportCsvAsync(long batchId, Stream output, CancellationToken cancellationToken = default,
        CsvTarget target = CsvTarget.Exact, bool withReasoning = true, bool includeFlagged = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await BatchExporter.WriteCsvAsync(db, batchId, output, cancellationToken, target, withReasoning, includeFlagged);
    }

    private static async Task<BatchJob> FindAsync(WorkbenchDbContext db, long batchId, CancellationToken cancellationToken) =>
        await db.BatchJobs.FirstOrDefaultAsync(b => b.Id == batchId, cancellationToken)
        ?? throw new KeyNotFoundException($"Batch {batchId} does not exist.");
}
