namespace GptOssWorkbench.Web.Tests.Review;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Finished batch runs and flags written straight into a real host's database, for the review and flag tests.</summary>
public static class FlagSeeds
{
    public static IDbContextFactory<WorkbenchDbContext> Database(this WorkbenchHost host) =>
        host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

    /// <summary>
    /// A batch with one succeeded run per prompt ("Reasoning for …" / "Answer to …"), in item order, on gpt-oss-20b at low
    /// effort; <paramref name="logprobs"/> gives a run its recorded tokens.
    /// </summary>
    public static async Task<(long BatchId, long[] RunIds)> SeedBatchAsync(this WorkbenchHost host, string[] prompts, Func<string, RunLogprobs>? logprobs = null)
    {
        await using var db = await host.Database().CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var batch = new BatchJob { Name = "flags-" + Guid.NewGuid().ToString("N")[..6], SourceFileName = "f.csv", CreatedAt = now, Matrix = new BatchMatrix { Models = ["gpt-oss-20b"] } };
        db.BatchJobs.Add(batch);
        var runs = prompts.Select((prompt, order) =>
        {
            var run = new Run
            {
                Source = RunSource.Batch, PromptText = prompt, CreatedAt = now.AddSeconds(order), BatchJob = batch,
                BatchItem = new BatchItem { BatchJob = batch, Order = order, SourceLine = order + 2, Prompt = prompt, ModelName = "gpt-oss-20b" },
                Manifest = new RunManifest { ModelName = "gpt-oss-20b", ReasoningEffort = ReasoningEffort.Low, MaxTokens = 64 },
            };
            run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = "Reasoning for " + prompt, Order = 0, CreatedAt = now });
            run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "Answer to " + prompt, Order = 1, CreatedAt = now });
            run.Logprobs = logprobs?.Invoke(prompt);
            run.MoveTo(RunStatus.Running, now);
            run.MoveTo(RunStatus.Succeeded, now);
            return run;
        }).ToList();
        db.Runs.AddRange(runs);
        await db.SaveChangesAsync();
        return (batch.Id, runs.Select(r => r.Id).ToArray());
    }

    /// <summary>A flag as if <paramref name="userId"/> had set it (no audit entry: the tests of flagging check those).</summary>
    public static async Task FlagAsync(this WorkbenchHost host, long runId, RunFlagKind kind, string? note, string userId)
    {
        await using var db = await host.Database().CreateDbContextAsync();
        db.RunFlags.Add(new RunFlag { RunId = runId, Kind = kind, Note = note, FlaggedByUserId = userId, FlaggedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }

    public static async Task<RunFlag?> StoredFlagAsync(this WorkbenchHost host, long runId)
    {
        await using var db = await host.Database().CreateDbContextAsync();
        return await db.RunFlags.AsNoTracking().SingleOrDefaultAsync(f => f.RunId == runId);
    }

    public static async Task<List<GptOssWorkbench.Data.Audit.AuditEntry>> AuditAsync(this WorkbenchHost host, params string[] actions)
    {
        await using var db = await host.Database().CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().Where(e => actions.Contains(e.Action)).OrderBy(e => e.Id).ToListAsync();
    }
}
