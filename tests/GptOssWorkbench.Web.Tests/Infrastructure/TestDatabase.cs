namespace GptOssWorkbench.Web.Tests.Infrastructure;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

/// <summary>A real, migrated SQLite file in a temp folder, and a factory like the host's.</summary>
public sealed class TestDatabase : IDbContextFactory<WorkbenchDbContext>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("workbench-ui-db-").FullName;
    private readonly DbContextOptions<WorkbenchDbContext> _options;

    public TestDatabase()
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "test.db"), ForeignKeys = true, Pooling = false }.ToString();
        _options = new DbContextOptionsBuilder<WorkbenchDbContext>()
            .UseSqlite(connection, b => b.MigrationsAssembly(WorkbenchDatabase.SqliteMigrationsAssembly))
            .Options;
        using var db = CreateDbContext();
        db.Database.Migrate();
    }

    public WorkbenchDbContext CreateDbContext() => new(_options);

    /// <summary>Adds a finished run with reasoning and answer messages.</summary>
    public Run AddRun(string prompt, string reasoning, string answer, string model = "tiny", ReasoningEffort effort = ReasoningEffort.Medium,
        long? batchId = null, RunStatus status = RunStatus.Succeeded, DateTime? createdAt = null, string? commentary = null, string? recipient = null)
    {
        using var db = CreateDbContext();
        var created = createdAt ?? DateTime.UtcNow;
        var run = new Run
        {
            Source = batchId is null ? RunSource.Chat : RunSource.Batch,
            PromptText = prompt,
            BatchJobId = batchId,
            CreatedAt = created,
            Manifest = new RunManifest { ModelName = model, ReasoningEffort = effort, MaxTokens = 256 },
            ReasoningTokens = reasoning.Length / 4,
            OutputTokens = (reasoning.Length + answer.Length) / 4,
        };
        if (batchId is not null)
        {
            var order = db.BatchItems.Count(i => i.BatchJobId == batchId);
            run.BatchItem = new BatchItem { BatchJobId = batchId.Value, Order = order, SourceLine = order + 2, Prompt = prompt, ModelName = model };
        }
        var order2 = 0;
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = reasoning, Order = order2++, CreatedAt = created });
        if (commentary is not null)
            run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Commentary, Recipient = recipient, Content = commentary, Order = order2++, CreatedAt = created });
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = answer, Order = order2, CreatedAt = created });
        if (status != RunStatus.Queued)
        {
            run.MoveTo(RunStatus.Running, created);
            if (status != RunStatus.Running)
                run.MoveTo(status, created.AddSeconds(2));
        }
        db.Runs.Add(run);
        db.SaveChanges();
        return run;
    }

    /// <summary>
    /// Adds a batch run whose item has the reference answer <paramref name="expected"/> (null: none) and the matrix
    /// coordinates <paramref name="effort"/> / <paramref name="temperature"/> (null: the model's default, which the run's
    /// manifest then holds as Medium / 1.0, as the batch service resolves it).
    /// </summary>
    public Run AddGradedRun(long batchId, string prompt, string answer, string? expected, string model = "tiny",
        ReasoningEffort? effort = null, double? temperature = null, RunStatus status = RunStatus.Succeeded)
    {
        var run = AddRun(prompt, "reasoning", answer, model: model, effort: effort ?? ReasoningEffort.Medium, batchId: batchId, status: status);
        using var db = CreateDbContext();
        var item = db.BatchItems.Single(i => i.Id == run.BatchItemId);
        item.Expected = expected;
        item.ReasoningEffort = effort;
        item.Temperature = temperature;
        db.Runs.Single(r => r.Id == run.Id).Manifest.Temperature = temperature ?? 1.0;
        db.SaveChanges();
        return run;
    }

    /// <summary>
    /// Copies the run <paramref name="templateId"/> <paramref name="count"/> times in one SQL statement (EF would take
    /// far longer for tens of thousands of rows), with column values replaced by the given SQL expressions of the
    /// copy number <c>i</c> (1..count). Messages are not copied (see <see cref="CloneMessages"/>).
    /// </summary>
    public void CloneRuns(long templateId, int count, IReadOnlyDictionary<string, string> overrides) =>
        CloneRows("Runs", templateId, count, overrides);

    /// <summary>Like <see cref="CloneRuns"/> for batch items (a run's item is unique: cloned runs need cloned items).</summary>
    public void CloneBatchItems(long templateId, int count, IReadOnlyDictionary<string, string> overrides) =>
        CloneRows("BatchItems", templateId, count, overrides);

    private void CloneRows(string table, long templateId, int count, IReadOnlyDictionary<string, string> overrides)
    {
        using var db = CreateDbContext();
        var connection = db.Database.GetDbConnection();
        connection.Open();
        var columns = ColumnsOf(connection, table);
        columns.Remove("Id");
        var unknown = overrides.Keys.Except(columns).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"{table} has no column {string.Join(", ", unknown)}");
        var values = columns.Select(c => overrides.TryGetValue(c, out var expression) ? expression : "t.\"" + c + "\"");
        using var insert = connection.CreateCommand();
        insert.CommandText =
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count) " +
            $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => "\"" + c + "\""))}) " +
            $"SELECT {string.Join(", ", values)} FROM n, {table} t WHERE t.Id = $template";
        insert.Parameters.Add(new SqliteParameter("$count", count));
        insert.Parameters.Add(new SqliteParameter("$template", templateId));
        insert.ExecuteNonQuery();
    }

    private static List<string> ColumnsOf(System.Data.Common.DbConnection connection, string table)
    {
        var columns = new List<string>();
        using var info = connection.CreateCommand();
        info.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
        using var reader = info.ExecuteReader();
        while (reader.Read())
            columns.Add(reader.GetString(0));
        return columns;
    }

    /// <summary>
    /// Gives every run with an id above <paramref name="templateId"/> (the copies made by <see cref="CloneRuns"/>) a copy
    /// of the template's messages, in one SQL statement, with column values replaced by SQL expressions over the message
    /// <c>m</c> and the receiving run <c>r</c>.
    /// </summary>
    public void CloneMessages(long templateId, IReadOnlyDictionary<string, string> overrides)
    {
        using var db = CreateDbContext();
        var connection = db.Database.GetDbConnection();
        connection.Open();
        var columns = ColumnsOf(connection, "Messages");
        columns.Remove("Id");
        var unknown = overrides.Keys.Except(columns).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Messages has no column {string.Join(", ", unknown)}");
        var values = columns.Select(c => c == "RunId" ? "r.Id" : overrides.TryGetValue(c, out var expression) ? expression : "m.\"" + c + "\"");
        using var insert = connection.CreateCommand();
        insert.CommandText =
            $"INSERT INTO Messages ({string.Join(", ", columns.Select(c => "\"" + c + "\""))}) " +
            $"SELECT {string.Join(", ", values)} FROM Runs r, Messages m WHERE m.RunId = $template AND r.Id > $template ORDER BY r.Id, m.\"Order\"";
        insert.Parameters.Add(new SqliteParameter("$template", templateId));
        insert.ExecuteNonQuery();
    }

    public long AddBatch(string name)
    {
        using var db = CreateDbContext();
        var batch = new BatchJob { Name = name, SourceFileName = name + ".csv", CreatedAt = DateTime.UtcNow, Matrix = new BatchMatrix { Models = ["tiny"] } };
        db.BatchJobs.Add(batch);
        db.SaveChanges();
        return batch.Id;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
