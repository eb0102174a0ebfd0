namespace GptOssWorkbench.Pipeline.Replays;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Replays as a reproducibility check: a replay is a new run with the original's manifest (model, every sampling
/// setting, the recorded seed) and the same prompt, linked by <see cref="Run.ReplayOfRunId"/> and executed by the
/// normal pipeline; <see cref="ReplayComparer"/> then says whether it produced the same tokens. The replay is not
/// part of the original's conversation or batch (it would show up in the chat as another answer, and count in the
/// batch's progress): it only points at the message or batch item the prompt is rendered from.
/// </summary>
public sealed class ReplayService(IDbContextFactory<WorkbenchDbContext> dbFactory, RunLauncher launcher, ModelCatalog catalog, TimeProvider clock)
{
    /// <summary>Whether <paramref name="runId"/> (or, for a replay, its original) can be replayed now, and with which caveats.</summary>
    public async Task<ReplayCheck> CheckAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var original = await OriginalOfAsync(db, runId, cancellationToken);
        return await new Checker(catalog).CheckAsync(original, cancellationToken);
    }

    /// <summary>Starts a replay of the run (of its original when it is a replay); throws <see cref="ReplayRefusedException"/> saying why not.</summary>
    /// <param name="follow">Bound to the replay before it is enqueued (see <see cref="RunLauncher"/>), so its finish is not missed.</param>
    public async Task<long> StartAsync(long runId, string? userId = null, RunWatch? follow = null, CancellationToken cancellationToken = default)
    {
        long replayId;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var original = await OriginalOfAsync(db, runId, cancellationToken);
            var check = await new Checker(catalog).CheckAsync(original, cancellationToken);
            if (!check.Allowed) throw new ReplayRefusedException(check.Refusal!);
            var replay = NewReplay(original, userId);
            db.Runs.Add(replay);
            await db.SaveChangesAsync(cancellationToken);
            replayId = replay.Id;
        }
        follow?.Follow(replayId);
        await launcher.EnqueueAsync(replayId);
        return replayId;
    }

    /// <summary>Replays every finished run of the batch that can be replayed (one transaction), and says which it refused.</summary>
    public async Task<BatchReplayStart> StartBatchAsync(long batchId, string? userId = null, RunWatch? follow = null, CancellationToken cancellationToken = default)
    {
        var replays = new List<Run>();
        var refused = new List<ReplayCheck>();
        var warnings = new List<string>();
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!await db.BatchJobs.AnyAsync(b => b.Id == batchId, cancellationToken))
                throw new KeyNotFoundException($"Batch {batchId} does not exist.");
            var runs = await db.Runs.AsNoTracking().Where(r => r.BatchJobId == batchId)
                .Where(r => r.Status == RunStatus.Succeeded || r.Status == RunStatus.Failed || r.Status == RunStatus.Cancelled)
                .OrderBy(r => r.BatchItem!.Order).ToListAsync(cancellationToken);
            if (runs.Count == 0) throw new ReplayRefusedException($"Batch {batchId} has no finished runs to replay yet.");
            var checker = new Checker(catalog);
            foreach (var run in runs)
            {
                var check = await checker.CheckAsync(run, cancellationToken);
                if (check.Allowed)
                {
                    replays.Add(NewReplay(run, userId));
                    warnings.AddRange(check.Warnings.Except(warnings));
                }
                else
                {
                    refused.Add(check);
                }
            }
            db.Runs.AddRange(replays);
            await db.SaveChangesAsync(cancellationToken);
        }
        foreach (var replay in replays) follow?.Follow(replay.Id);
        await launcher.EnqueueAsync(replays.Select(r => r.Id).ToList());
        return new BatchReplayStart([.. replays.Select(r => r.Id)], refused, warnings);
    }

    /// <summary>The replay side of a run's transcript; null when the run does not exist.</summary>
    public async Task<RunReplays?> GetForRunAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await WithOutput(db).FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null) return null;
        var checker = new Checker(catalog);
        if (run.ReplayOfRunId is { } originalId && await WithOutput(db).FirstOrDefaultAsync(r => r.Id == originalId, cancellationToken) is { } original)
            return new RunReplays(run.Id, original.Id, Verdict(original, run), [], await checker.CheckAsync(original, cancellationToken));

        var replays = await WithOutput(db).Where(r => r.ReplayOfRunId == run.Id).OrderByDescending(r => r.Id).ToListAsync(cancellationToken);
        return new RunReplays(run.Id, null, null, [.. replays.Select(r => new ReplayEntry(r.Id, r.CreatedAt, Verdict(run, r)))],
            await checker.CheckAsync(run, cancellationToken));
    }

    /// <summary>Each finished run of the batch with its latest replay's verdict, or why it cannot be replayed; no rows before the first replay.</summary>
    public async Task<BatchReplaySummary> GetBatchSummaryAsync(long batchId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The batch page asks on every visit: a batch nobody replayed must not load every run's output for nothing.
        if (!await db.Runs.AnyAsync(r => r.ReplayOf!.BatchJobId == batchId, cancellationToken)) return new BatchReplaySummary([]);
        var originals = await WithOutput(db).Include(r => r.BatchItem).Where(r => r.BatchJobId == batchId)
            .Where(r => r.Status == RunStatus.Succeeded || r.Status == RunStatus.Failed || r.Status == RunStatus.Cancelled)
            .ToListAsync(cancellationToken);
        var latestIds = await db.Runs.Where(r => r.ReplayOf!.BatchJobId == batchId)
            .GroupBy(r => r.ReplayOfRunId).Select(g => g.Max(r => r.Id)).ToListAsync(cancellationToken);
        var latest = (await WithOutput(db).Where(r => latestIds.Contains(r.Id)).ToListAsync(cancellationToken))
            .ToDictionary(r => r.ReplayOfRunId!.Value);
        var checker = new Checker(catalog);
        var rows = new List<BatchReplayRow>();
        foreach (var original in originals.OrderBy(r => r.BatchItem?.Order))
        {
            var order = original.BatchItem?.Order ?? 0;
            if (latest.TryGetValue(original.Id, out var replay))
            {
                rows.Add(new BatchReplayRow(original.Id, order, replay.Id, Verdict(original, replay), null));
                continue;
            }
            var check = await checker.CheckAsync(original, cancellationToken);
            rows.Add(new BatchReplayRow(original.Id, order, null, null, check.Refusal));
        }
        return new BatchReplaySummary(rows);
    }

    private static IQueryable<Run> WithOutput(WorkbenchDbContext db) =>
        db.Runs.AsNoTracking().AsSplitQuery().Include(r => r.Messages).Include(r => r.Logprobs);

    /// <summary>The run, or the original it replays (replays of a replay all compare against the first run).</summary>
    private static async Task<Run> OriginalOfAsync(WorkbenchDbContext db, long runId, CancellationToken cancellationToken)
    {
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken)
            ?? throw new KeyNotFoundException($"Run {runId} does not exist.");
        return run.ReplayOfRunId is { } originalId
            ? await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == originalId, cancellationToken) ?? run
            : run;
    }

    private Run NewReplay(Run original, string? userId)
    {
        return new Run
        {
            Source = RunSource.Replay,
            ReplayOfRunId = original.Id,
            PromptText = original.PromptText,
            // The thread the prompt is rendered from, without joining the conversation (see the class comment).
            ReplyToMessageId = original.ReplyToMessageId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedByUserId = userId,
            // Every input of the original (a branch's forced prefix too); what the worker records it records anew.
            Manifest = original.Manifest.CopyInputs(),
        };
    }

    private static ReplayVerdict Verdict(Run original, Run replay)
    {
        var problems = new List<string>();
        var verdict = ReplayComparer.Compare(original, TokenIds(original, problems), replay, TokenIds(replay, problems), HarmonyTokenizer.Shared);
        return problems.Count == 0 ? verdict : verdict with { Findings = [.. problems, .. verdict.Findings] };
    }

    /// <summary>The run's stored token ids; null when it recorded none or they cannot be read (then the text is compared, and the problem said).</summary>
    private static List<int>? TokenIds(Run run, List<string> problems)
    {
        if (run.Logprobs is null) return null;
        try
        {
            return [.. run.Logprobs.Read().Select(t => t.TokenId)];
        }
        catch (InvalidDataException e)
        {
            problems.Add($"Run {run.Id}'s stored token ids cannot be read ({e.Message}); the text is compared instead.");
            return null;
        }
    }

    /// <summary>The checks before a replay; caches each model's current fingerprint for the checks of one batch.</summary>
    private sealed class Checker(ModelCatalog catalog)
    {
        private readonly Dictionary<string, (CatalogModel? Model, string? Fingerprint)> models = [];

        public async Task<ReplayCheck> CheckAsync(Run run, CancellationToken cancellationToken)
        {
            var m = run.Manifest;
            ReplayCheck Refuse(string why) => new(run.Id, why, []);
            if (!run.IsFinished)
                return Refuse($"Run {run.Id} has not finished yet: it can be replayed once it has.");
            if (run.Status != RunStatus.Succeeded)
                return Refuse($"Run {run.Id} is {run.Status.ToString().ToLowerInvariant()}: only a run that succeeded has a complete output to compare a replay with.");
            var (model, fingerprint) = await ModelAsync(m.ModelName, cancellationToken);
            // "Not loaded" means not available here: in embedded mode a local model is loaded on first use, so a
            // registered, readable model is as good as loaded; one that is gone cannot run the replay at all.
            if (model is null)
                return Refuse($"Model '{m.ModelName}' is not registered or configured any more: run {run.Id} cannot be replayed on it.");

            var warnings = new List<string>();
            if (model.IsRemote)
            {
                warnings.Add($"'{m.ModelName}' is a remote {model.RemoteKind} server: the replay sends the same request and seed, but that server's "
                    + "numerics and batching are its own, so identity is not guaranteed.");
            }
            else if (m.WeightsFingerprint is null)
            {
                warnings.Add($"Run {run.Id} recorded no weights fingerprint: the replay cannot show that it runs on the same weights.");
            }
            else if (fingerprint != m.WeightsFingerprint)
            {
                // Refused rather than run: the answer to "is this reproducible?" is already known (not on these
                // weights), and a replay that differs would only restate it while looking like a finding about the engine.
                return Refuse($"Model '{m.ModelName}' now has weights fingerprint {Short(fingerprint)}, but run {run.Id} was made with {Short(m.WeightsFingerprint)}: "
                    + "the weights changed since the run, so it is not reproducible on this model (a reproducibility finding in itself). Replay refused.");
            }
            // Every run started since seeds were recorded has one; an old or never-started run may not. Greedy
            // decoding needs none, so only a sampled run is affected: offered anyway, since the prompt and settings
            // can still be checked, but with the caveat shown.
            if (m.Seed is null && m.Temperature > 0)
                warnings.Add($"Run {run.Id} recorded no seed and sampled at temperature {m.Temperature}: the replay draws a new seed, so identity is not expected.");
            return new ReplayCheck(run.Id, null, warnings);
        }

        private async Task<(CatalogModel? Model, string? Fingerprint)> ModelAsync(string name, CancellationToken cancellationToken)
        {
            if (models.TryGetValue(name, out var known)) return known;
            var model = await catalog.FindAsync(name, cancellationToken);
            string? fingerprint = null;
            if (model is { IsRemote: false })
            {
                // The folder as this process would load it (configuration may point the name at another copy than the
                // registered one); the registry's fingerprint when it cannot be read here (a web host without the weights).
                try
                {
                    fingerprint = CheckpointLoader.Inspect(await catalog.ResolveFolderAsync(name, cancellationToken)).Fingerprint;
                }
                catch (Exception e) when (e is CheckpointException or IOException or UnknownModelException or UnauthorizedAccessException)
                {
                    fingerprint = model.WeightsFingerprint;
                }
            }
            return models[name] = (model, fingerprint);
        }

        private static string Short(string? hash) => hash is null ? "(none)" : hash.Length > 12 ? hash[..12] + "…" : hash;
    }
}
