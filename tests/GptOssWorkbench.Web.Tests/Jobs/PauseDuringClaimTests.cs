namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Data.Common;
using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// A job reads the run and its batch, then writes its claim. A pause (or cancel) that commits between the two must
/// still hold the run: before, the claim's write did not look at the batch again, and a paused batch started one
/// more item. The test puts the pause exactly there: right after the job's first query (the claim's read).
/// </summary>
public sealed class PauseDuringClaimTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>, IAsyncLifetime
{
    private WorkbenchHost _host = default!;

    private T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    private void StartHost(string provider)
    {
        // No Hangfire server in this host (PostgreSQL mode never runs one in the web app): the test runs the job itself.
        var settings = new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" };
        if (provider == "PostgreSQL") postgres.Configure(settings);
        _host = WorkbenchHost.Start(_ => settings);
    }

    /// <summary>Runs an action once, right after the first query of the contexts that use it has run.</summary>
    private sealed class AfterFirstQuery(Func<Task> action) : DbCommandInterceptor
    {
        private int _done;

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
            CancellationToken cancellationToken = default)
        {
            // The open reader keeps no other connection from writing (SQLite in WAL mode, PostgreSQL by MVCC).
            if (Interlocked.Exchange(ref _done, 1) == 0) await action();
            return result;
        }
    }

    /// <summary>The host's own contexts, plus the interceptor (the job gets this factory; everything else the host's).</summary>
    private sealed class InterceptedFactory(DbContextOptions<WorkbenchDbContext> options) : IDbContextFactory<WorkbenchDbContext>
    {
        public WorkbenchDbContext CreateDbContext() => new(options);
    }

    private async Task<(long BatchId, long RunId)> ImportOneItemBatchAsync()
    {
        // One PostgreSQL database serves every test of the class: a model name of its own per test.
        var model = $"tiny-{Guid.NewGuid():N}";
        await using (var db = await Get<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            db.RegisteredModels.Add(new RegisteredModel { Name = model, FolderPath = _host.TempDirectory, Layout = "huggingface", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var batch = await Get<BatchService>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("prompt\nWhat is 2 + 2?\n")), "one.csv",
            new BatchImportRequest { Name = "one", Matrix = new BatchMatrix { Models = [model] } });
        await using var read = await Get<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return (batch.Id, await read.Runs.Where(r => r.BatchJobId == batch.Id).Select(r => r.Id).SingleAsync());
    }

    private InferenceJob JobWhoseFirstQueryIsFollowedBy(Func<Task> action)
    {
        var options = new DbContextOptionsBuilder<WorkbenchDbContext>(Get<DbContextOptions<WorkbenchDbContext>>())
            .AddInterceptors(new AfterFirstQuery(action)).Options;
        return ActivatorUtilities.CreateInstance<InferenceJob>(_host.Services, (IDbContextFactory<WorkbenchDbContext>)new InterceptedFactory(options));
    }

    [Theory]
    [InlineData("SQLite", false)]
    [InlineData("SQLite", true)]
    [InlineData("PostgreSQL", false)]
    [InlineData("PostgreSQL", true)]
    public async Task A_pause_or_cancel_between_the_claims_read_and_its_write_keeps_the_run_from_starting(string provider, bool cancel)
    {
        StartHost(provider);
        var (batchId, runId) = await ImportOneItemBatchAsync();
        var batches = Get<BatchService>();
        var job = JobWhoseFirstQueryIsFollowedBy(() => cancel ? batches.CancelAsync(batchId) : batches.PauseAsync(batchId));

        await job.RunAsync(runId, null, CancellationToken.None);

        await using var db = await Get<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.Include(r => r.Messages).SingleAsync(r => r.Id == runId);
        var batch = await db.BatchJobs.SingleAsync(b => b.Id == batchId);
        Assert.Equal(cancel ? BatchStatus.Cancelled : BatchStatus.Paused, batch.Status);
        // Paused: still queued for the resume (only the claim's batch check stops it). Cancelled: the cancel ended the
        // queued run itself, and the run's version stops the claim. Either way no job took it.
        Assert.Equal(cancel ? RunStatus.Cancelled : RunStatus.Queued, run.Status);
        Assert.Null(run.WorkerName);
        Assert.Null(run.StartedAt);
        Assert.Empty(run.Messages);
        Assert.Null(batch.StartedAt);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}
