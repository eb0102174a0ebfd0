namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Batches;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Batches through BatchService on the real embedded pipeline.</summary>
[Collection(PipelineCollection.Name)]
public sealed class BatchPipelineTests(PipelineHostFixture fixture)
{
    private readonly IServiceProvider services = fixture.Services;
    private BatchService Batches => services.GetRequiredService<BatchService>();

    private static MemoryStream File(string text) => new(Encoding.UTF8.GetBytes(text));

    private static BatchImportRequest Request(BatchMatrix? matrix = null) => new() { Name = "t", Matrix = matrix ?? new BatchMatrix { Models = [TinyModel.Name] } };

    private async Task<(int Batches, int Runs)> CountAsync()
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return (await db.BatchJobs.CountAsync(), await db.Runs.CountAsync());
    }

    [Fact]
    public async Task Malformed_files_name_the_line_and_field_and_import_nothing()
    {
        var before = await CountAsync();

        var csv = await Assert.ThrowsAsync<BatchImportException>(() =>
            Batches.ImportAsync(File("id,prompt\n1,fine\n2,\"broken\n"), "prompts.csv", Request()));
        Assert.Contains("prompts.csv", csv.Message);
        Assert.Contains("line 3", csv.Message);

        var jsonl = await Assert.ThrowsAsync<BatchImportException>(() =>
            Batches.ImportAsync(File("{\"prompt\":\"ok\"}\n{\"id\":\"x\"}\n"), "prompts.jsonl", Request()));
        Assert.Contains("line 2", jsonl.Message);
        Assert.Contains("prompt", jsonl.Message);

        var model = await Assert.ThrowsAsync<BatchImportException>(() =>
            Batches.ImportAsync(File("prompt\nhello\n"), "p.csv", Request(new BatchMatrix { Models = ["no-such-model"] })));
        Assert.Contains("no-such-model", model.Message);

        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_matrix_batch_runs_every_cell_once_and_exports_reasoning_answer_and_manifest()
    {
        var matrix = new BatchMatrix { Models = [TinyModel.Name], Temperatures = [0.5, 1.0], Seeds = [1, 2], Repeats = 2 };
        var batch = await Batches.ImportAsync(File("id,prompt,topic\na,Say hi,greeting\nb,Count to three,math\n"), "two.csv", Request(matrix),
            new BatchRunOptions(MaxTokens: 4));
        Assert.Equal(16, batch.ItemCount);

        var progress = await WaitForBatchAsync(batch.Id, p => p.Status == BatchStatus.Completed);
        Assert.Equal(16, progress.Done);
        Assert.Equal(16, progress.Succeeded);
        Assert.True(progress.TokensPerSecond > 0);

        await using (var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var items = await db.BatchItems.Include(i => i.Run).Where(i => i.BatchJobId == batch.Id).OrderBy(i => i.Order).ToListAsync();
            // prompt (file order), then temperature, then seed, then repeat
            var cells = new (string, double?, long?)[]
            {
                ("a", 0.5, 1), ("a", 0.5, 2), ("a", 1.0, 1), ("a", 1.0, 2),
                ("b", 0.5, 1), ("b", 0.5, 2), ("b", 1.0, 1), ("b", 1.0, 2),
            };
            Assert.Equal(cells.SelectMany(c => new[] { (c, 0), (c, 1) }),
                items.Select(i => ((i.ExternalId!, i.Temperature, i.Seed), i.RepeatIndex)));
            Assert.All(items, i =>
            {
                Assert.Equal(RunStatus.Succeeded, i.Run!.Status);
                Assert.Equal(1, i.Run.AttemptCount);
                Assert.Equal(i.Temperature, i.Run.Manifest.Temperature);
                Assert.Equal(i.Seed, i.Run.Manifest.Seed);
                Assert.Equal(4, i.Run.Manifest.MaxTokens);
            });
            // The seed is really used: both repeats of a cell give the same text, other seeds (almost surely) not.
            var outputs = await db.Runs.Where(r => r.BatchJobId == batch.Id).Include(r => r.BatchItem).Include(r => r.Messages).ToListAsync();
            string Text(Run r) => string.Concat(r.Messages.OrderBy(m => m.Order).Select(m => m.Content));
            var byCell = outputs.GroupBy(r => (r.BatchItem!.Prompt, r.Manifest.Temperature, r.Manifest.Seed)).ToList();
            Assert.All(byCell, g => Assert.Single(g.Select(Text).Distinct()));
            Assert.True(byCell.Select(g => Text(g.First())).Distinct().Count() > 1);
        }

        using var jsonl = new MemoryStream();
        await Batches.ExportJsonlAsync(batch.Id, jsonl);
        var lines = Encoding.UTF8.GetString(jsonl.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(16, lines.Length);
        using (var first = JsonDocument.Parse(lines[0]))
        {
            var row = first.RootElement;
            Assert.Equal("a", row.GetProperty("id").GetString());
            Assert.Equal("greeting", row.GetProperty("metadata").GetProperty("topic").GetString());
            Assert.Equal("Succeeded", row.GetProperty("status").GetString());
            Assert.True(row.TryGetProperty("reasoning", out _));
            Assert.True(row.TryGetProperty("answer", out _));
            Assert.Equal(0.5, row.GetProperty("temperature").GetDouble());
            Assert.Equal(64, row.GetProperty("prompt_tokens_sha256").GetString()!.Length);
        }

        using var csv = new MemoryStream();
        await Batches.ExportCsvAsync(batch.Id, csv);
        var csvText = Encoding.UTF8.GetString(csv.ToArray());
        Assert.StartsWith(string.Join(",", BatchExporter.ColumnNames), csvText);
    }

    [Fact]
    public async Task Pause_holds_queued_items_resume_finishes_them_cancel_stops_the_rest()
    {
        // More items than Hangfire workers (the host's, which follow Engine:MaxRunning), so some are still waiting for a
        // job when the pause comes.
        var items = fixture.Services.GetRequiredService<GptOssWorkbench.Web.Jobs.JobStorageMode>().WorkerCount + 4;
        var prompts = string.Join("\n", Enumerable.Range(1, items).Select(i => $"prompt {i}"));
        var batch = await Batches.ImportAsync(File("prompt\n" + prompts + "\n"), "more-than-workers.csv", Request(), new BatchRunOptions(MaxTokens: 20));
        await Batches.PauseAsync(batch.Id);
        var paused = await WaitForBatchAsync(batch.Id, p => p.Running == 0);
        Assert.Equal(BatchStatus.Paused, paused.Status);
        Assert.True(paused.Queued > 0, $"pausing right after import must leave items queued: {paused}");
        await Task.Delay(1000);
        Assert.Equal(paused.Queued, (await Batches.GetProgressAsync(batch.Id)).Queued); // nothing new started

        await Batches.ResumeAsync(batch.Id);
        var resumed = await WaitForBatchAsync(batch.Id, p => p.Status == BatchStatus.Completed);
        Assert.Equal(items, resumed.Succeeded);

        var second = await Batches.ImportAsync(File("prompt\n" + prompts + "\n"), "more-than-workers.csv", Request(), new BatchRunOptions(MaxTokens: 2000));
        await WaitForBatchAsync(second.Id, p => p.Running > 0);
        await Batches.CancelAsync(second.Id);
        var cancelled = await WaitForBatchAsync(second.Id, p => p.Running == 0 && p.Queued == 0);
        Assert.Equal(BatchStatus.Cancelled, cancelled.Status);
        Assert.Equal(items, cancelled.Done);
        Assert.True(cancelled.Cancelled >= items - 1, $"{cancelled}");
    }

    [Fact]
    public async Task A_batch_with_logprobs_stores_them_and_exports_one_entry_per_output_token()
    {
        var batch = await Batches.ImportAsync(File("prompt\nSay hi\n"), "lp.csv", Request(), new BatchRunOptions(MaxTokens: 5, TopLogprobs: 3));
        var plain = await Batches.ImportAsync(File("prompt\nSay hi\n"), "plain.csv", Request(), new BatchRunOptions(MaxTokens: 5));
        await WaitForBatchAsync(batch.Id, p => p.Status == BatchStatus.Completed);
        await WaitForBatchAsync(plain.Id, p => p.Status == BatchStatus.Completed);

        using var output = new MemoryStream();
        await Batches.ExportJsonlAsync(batch.Id, output);
        var line = JsonDocument.Parse(Encoding.UTF8.GetString(output.ToArray()).Trim()).RootElement;
        var tokens = line.GetProperty("logprobs").EnumerateArray().ToList();
        Assert.Equal(5, line.GetProperty("output_tokens").GetInt32());
        Assert.Equal(5, tokens.Count);
        foreach (var token in tokens)
        {
            var logprob = token.GetProperty("logprob").GetDouble();
            Assert.True(logprob <= 0, $"logprob {logprob}");
            var top = token.GetProperty("top").EnumerateArray().Select(t => (Id: t.GetProperty("token_id").GetInt32(), Logprob: t.GetProperty("logprob").GetDouble())).ToList();
            Assert.Equal(3, top.Count);
            Assert.True(top[0].Logprob >= top[1].Logprob && top[1].Logprob >= top[2].Logprob, string.Join(", ", top));
            var chosen = token.GetProperty("token_id").GetInt32();
            if (top.Any(t => t.Id == chosen)) Assert.Equal(top.First(t => t.Id == chosen).Logprob, logprob);
            else Assert.True(logprob <= top[2].Logprob);
            Assert.True(token.TryGetProperty("token", out _));
        }
        await using (var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var run = await db.Runs.Include(r => r.Logprobs).SingleAsync(r => r.BatchJobId == batch.Id);
            Assert.True(run.Manifest.Logprobs);
            Assert.Equal(3, run.Manifest.TopLogprobs);
            Assert.Equal(5, run.Logprobs!.TokenCount);
            Assert.False(await db.RunLogprobs.AnyAsync(l => l.Run!.BatchJobId == plain.Id));
        }
        using var plainOutput = new MemoryStream();
        await Batches.ExportJsonlAsync(plain.Id, plainOutput);
        Assert.False(JsonDocument.Parse(Encoding.UTF8.GetString(plainOutput.ToArray()).Trim()).RootElement.TryGetProperty("logprobs", out _));
    }

    [Fact]
    public async Task A_batch_asking_for_more_than_20_top_logprobs_is_refused_and_stores_nothing()
    {
        var before = await CountAsync();

        var error = await Assert.ThrowsAsync<BatchImportException>(() =>
            Batches.ImportAsync(File("prompt\nhi\n"), "many.csv", Request(), new BatchRunOptions(TopLogprobs: 21)));

        Assert.Contains("top_logprobs", error.Message);
        Assert.Equal(before, await CountAsync());
    }

    private Task<BatchProgress> WaitForBatchAsync(long batchId, Func<BatchProgress, bool> until, int seconds = 90) =>
        PipelineWaits.WaitForBatchAsync(fixture.Host, batchId, until, seconds);
}
