namespace GptOssWorkbench.Data.Tests.Batches;

using System.Text;
using System.Text.Json;
using CsvHelper;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class BatchExportTests
{
    private const string Source =
        "id,prompt,system,topic\n" +
        "a1,\"=SUM(1,2) and \"\"quotes\"\"\nsecond line\",Be exact.,math\n" +
        "a2,Ünïcødé 🙂,,poésie\n";

    [Fact]
    public async Task Jsonl_export_parses_back_to_the_imported_prompts_and_the_stored_outcome()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var batchId = await CreateBatchWithOneFinishedRunAsync(database);

        using var output = new MemoryStream();
        await using (var db = database.NewContext())
            await BatchExporter.WriteJsonlAsync(db, batchId, output);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // 2 prompts × 2 efforts
        var rows = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();

        var done = rows[0];
        Assert.Equal("a1", done.GetProperty("id").GetString());
        Assert.Equal("=SUM(1,2) and \"quotes\"\nsecond line", done.GetProperty("prompt").GetString());
        Assert.Equal("Be exact.", done.GetProperty("system").GetString());
        Assert.Equal("math", done.GetProperty("metadata").GetProperty("topic").GetString());
        Assert.Equal("Succeeded", done.GetProperty("status").GetString());
        Assert.Equal("First add.\nThen check.", done.GetProperty("reasoning").GetString());
        Assert.Equal("3", done.GetProperty("answer").GetString());
        Assert.Equal("gpt-oss-20b", done.GetProperty("model").GetString());
        Assert.Equal("sha256:feed", done.GetProperty("weights_fingerprint").GetString());
        Assert.Equal("low", done.GetProperty("reasoning_effort").GetString());
        Assert.Equal(0.6, done.GetProperty("temperature").GetDouble());
        Assert.Equal(["<|call|>", "STOP"], done.GetProperty("stop").EnumerateArray().Select(e => e.GetString()).ToList());
        Assert.Equal(4242, done.GetProperty("seed").GetInt64());
        Assert.Equal(12, done.GetProperty("output_tokens").GetInt32());
        Assert.Equal("2026-11-23T12:00:05.0000000Z", done.GetProperty("finished_at").GetString());

        var notStarted = rows[3];
        Assert.Equal("Ünïcødé 🙂", notStarted.GetProperty("prompt").GetString());
        Assert.Equal("NotStarted", notStarted.GetProperty("status").GetString());
        Assert.Equal("high", notStarted.GetProperty("reasoning_effort").GetString());
        Assert.Equal(JsonValueKind.Null, notStarted.GetProperty("answer").ValueKind);
        Assert.Equal(JsonValueKind.Null, notStarted.GetProperty("system").ValueKind);
        Assert.Equal([0, 1, 2, 3], rows.Select(r => r.GetProperty("item").GetInt32()).ToList());
    }

    [Fact]
    public async Task Csv_export_parses_back_with_the_same_fields()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var batchId = await CreateBatchWithOneFinishedRunAsync(database);

        using var output = new MemoryStream();
        await using (var db = database.NewContext())
            await BatchExporter.WriteCsvAsync(db, batchId, output);

        using var csv = CsvReader.FromText(Encoding.UTF8.GetString(output.ToArray()), new CsvReaderOptions { Separator = ',', HasHeader = true });
        Assert.Equal(BatchExporter.ColumnNames, csv.Headers);
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
            rows.Add(csv.Headers.Select((h, i) => (h, v: csv.GetString(i))).ToDictionary(x => x.h, x => x.v));

        Assert.Equal(4, rows.Count);
        var done = rows[0];
        Assert.Equal("=SUM(1,2) and \"quotes\"\nsecond line", done["prompt"]);
        Assert.Equal("First add.\nThen check.", done["reasoning"]);
        Assert.Equal("3", done["answer"]);
        Assert.Equal("{\"topic\":\"math\"}", done["metadata"]);
        Assert.Equal("[\"<|call|>\",\"STOP\"]", done["stop"]);
        Assert.Equal(["<|call|>", "STOP"], JsonSerializer.Deserialize<string[]>(done["stop"])!);
        Assert.Equal("0.6", done["temperature"]);
        Assert.Equal("4242", done["seed"]);
        Assert.Equal("low", done["reasoning_effort"]);
        Assert.Equal("Ünïcødé 🙂", rows[2]["prompt"]);
        Assert.Equal("{\"topic\":\"poésie\"}", rows[2]["metadata"]);
        Assert.Equal("NotStarted", rows[3]["status"]);
        Assert.True(string.IsNullOrEmpty(rows[3]["answer"]));
    }

    [Fact]
    public async Task Export_carries_the_expected_answer_and_whether_the_finished_run_got_it_right()
    {
        const string source =
            "prompt,expected\n" +
            "What is 1 + 2?,3\n" +     // answered "3": correct
            "What is 2 + 2?,5\n" +     // answered "4": wrong (the reference is deliberately wrong)
            "Say anything,\n" +        // no reference: not graded
            "What is 5 + 5?,10\n" +    // failed without a final answer: wrong
            "What is 3 + 4?,7\n";      // never started: not graded yet
        await using var database = await SqliteTestDatabase.CreateAsync();
        long batchId;
        await using (var db = database.NewContext())
        {
            var batch = await BatchImporter.ImportAsync(db, Files.Utf8(source), "graded.csv",
                new BatchImportRequest { Matrix = new BatchMatrix { Models = ["gpt-oss-nano"] } }, new BatchImportLimits(), TestData.Now);
            batchId = batch.Id;
            var items = await db.BatchItems.Where(i => i.BatchJobId == batchId).OrderBy(i => i.Order).ToListAsync();
            AddRun(db, batchId, items[0], RunStatus.Succeeded, " 3.");
            AddRun(db, batchId, items[1], RunStatus.Succeeded, "4");
            AddRun(db, batchId, items[2], RunStatus.Succeeded, "anything");
            AddRun(db, batchId, items[3], RunStatus.Failed, null);
            await db.SaveChangesAsync();
        }

        using var jsonlOutput = new MemoryStream();
        using var csvOutput = new MemoryStream();
        await using (var db = database.NewContext())
        {
            await BatchExporter.WriteJsonlAsync(db, batchId, jsonlOutput);
            await BatchExporter.WriteCsvAsync(db, batchId, csvOutput);
        }

        var jsonl = Encoding.UTF8.GetString(jsonlOutput.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["3", "5", null, "10", "7"], jsonl.Select(r => r.GetProperty("expected").GetString()).ToList());
        Assert.Equal([JsonValueKind.True, JsonValueKind.False, JsonValueKind.Null, JsonValueKind.False, JsonValueKind.Null],
            jsonl.Select(r => r.GetProperty("correct").ValueKind).ToList());
        Assert.All(jsonl, r => Assert.False(r.GetProperty("metadata").TryGetProperty("expected", out _)));

        using var csv = CsvReader.FromText(Encoding.UTF8.GetString(csvOutput.ToArray()), new CsvReaderOptions { Separator = ',', HasHeader = true });
        var expected = new List<string?>();
        var correct = new List<string?>();
        while (csv.Read())
        {
            expected.Add(csv.GetString(csv.Headers.ToList().IndexOf("expected")));
            correct.Add(csv.GetString(csv.Headers.ToList().IndexOf("correct")));
        }
        Assert.Equal(["3", "5", "", "10", "7"], expected.Select(e => e ?? "").ToList());
        Assert.Equal(["true", "false", "", "false", ""], correct.Select(c => c ?? "").ToList());
    }

    [Fact]
    public async Task Accuracy_per_setting_counts_finished_runs_and_leaves_unfinished_ones_pending()
    {
        // Two efforts × three prompts with references + one without. Low: 2 right, 1 failed without answer.
        // High: 1 right, 1 wrong ("6,033" is right; "603" is not), 1 still running.
        const string source = "prompt,expected\nA,3\nB,6033\nC,10\nD,\n";
        await using var database = await SqliteTestDatabase.CreateAsync();
        long batchId;
        await using (var db = database.NewContext())
        {
            var batch = await BatchImporter.ImportAsync(db, Files.Utf8(source), "acc.csv",
                new BatchImportRequest { Matrix = new BatchMatrix { Models = ["gpt-oss-nano"], ReasoningEfforts = [ReasoningEffort.Low, ReasoningEffort.High] } },
                new BatchImportLimits(), TestData.Now);
            batchId = batch.Id;
            var items = await db.BatchItems.Where(i => i.BatchJobId == batchId).ToListAsync();
            BatchItem Item(string prompt, ReasoningEffort effort) => items.Single(i => i.Prompt == prompt && i.ReasoningEffort == effort);
            AddRun(db, batchId, Item("A", ReasoningEffort.Low), RunStatus.Succeeded, "3");
            AddRun(db, batchId, Item("B", ReasoningEffort.Low), RunStatus.Succeeded, "6033");
            AddRun(db, batchId, Item("C", ReasoningEffort.Low), RunStatus.Failed, null);
            AddRun(db, batchId, Item("D", ReasoningEffort.Low), RunStatus.Succeeded, "whatever"); // no reference: not in the table
            AddRun(db, batchId, Item("A", ReasoningEffort.High), RunStatus.Succeeded, "3");
            AddRun(db, batchId, Item("B", ReasoningEffort.High), RunStatus.Succeeded, "603");
            AddRun(db, batchId, Item("C", ReasoningEffort.High), RunStatus.Running, null);
            await db.SaveChangesAsync();
        }

        await using var check = database.NewContext();
        var accuracy = await BatchAccuracy.ComputeAsync(check, batchId);

        Assert.Equal(
            [new SettingAccuracy("gpt-oss-nano", ReasoningEffort.Low, null, Graded: 3, Correct: 2, Pending: 0),
             new SettingAccuracy("gpt-oss-nano", ReasoningEffort.High, null, Graded: 2, Correct: 1, Pending: 1)],
            accuracy);
        Assert.Equal(0.5, accuracy[1].Fraction);
    }

    [Fact]
    public async Task Accuracy_and_export_grade_the_same_last_final_message_when_a_run_wrote_several()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await AssertTheLastFinalMessageIsGradedAsync(database.NewContext);
    }

    /// <summary>The scenario of the test above on any database (PostgresTests runs it there too).</summary>
    internal static async Task AssertTheLastFinalMessageIsGradedAsync(Func<WorkbenchDbContext> newContext)
    {
        // Each run writes two final messages, one after the other (separate saves, so the second has the larger Id).
        // A: the later Order holds the right answer; the export used to grade both joined ("wrong first\n3").
        // B: both have the same Order: the later write (larger Id) wins.
        // C: the later write has the lower Order: Order decides, not the write.
        // D: the later Order holds a wrong answer.
        const string source = "prompt,expected\nA,3\nB,4\nC,5\nD,7\n";
        long batchId;
        var finals = new Dictionary<string, (string Content, int Order)[]>
        {
            ["A"] = [("wrong first", 1), ("3", 2)],
            ["B"] = [("3", 1), ("4", 1)],
            ["C"] = [("5", 2), ("6", 1)],
            ["D"] = [("7", 1), ("8", 2)],
        };
        await using (var db = newContext())
        {
            var batch = await BatchImporter.ImportAsync(db, Files.Utf8(source), "two-finals.csv",
                new BatchImportRequest { Matrix = new BatchMatrix { Models = ["gpt-oss-nano"] } }, new BatchImportLimits(), TestData.Now);
            batchId = batch.Id;
            foreach (var item in await db.BatchItems.Where(i => i.BatchJobId == batchId).OrderBy(i => i.Order).ToListAsync())
            {
                AddRun(db, batchId, item, RunStatus.Succeeded, null);
                await db.SaveChangesAsync();
                var run = await db.Runs.SingleAsync(r => r.BatchItemId == item.Id);
                foreach (var (content, order) in finals[item.Prompt])
                {
                    run.Messages.Add(TestData.Output(MessageChannels.Final, content, order));
                    await db.SaveChangesAsync();
                }
            }
        }

        using var output = new MemoryStream();
        await using (var db = newContext())
            await BatchExporter.WriteJsonlAsync(db, batchId, output);
        var rows = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        await using var check = newContext();
        var accuracy = await BatchAccuracy.ComputeAsync(check, batchId);
        var byRule = await FinalAnswer.Messages(check.Messages.Where(m => m.Run!.BatchJobId == batchId)).OrderBy(m => m.RunId).Select(m => m.Content).ToListAsync();

        Assert.Equal(["3", "4", "5", "8"], rows.Select(r => r.GetProperty("answer").GetString()).ToList());
        Assert.Equal(["3", "4", "5", "8"], byRule);
        Assert.Equal([true, true, true, false], rows.Select(r => r.GetProperty("correct").GetBoolean()).ToList());
        Assert.Equal([new SettingAccuracy("gpt-oss-nano", null, null, Graded: 4, Correct: 3, Pending: 0)], accuracy);
    }

    [Fact]
    public async Task Exporting_a_missing_batch_says_so()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var db = database.NewContext();
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => BatchExporter.WriteJsonlAsync(db, 999, new MemoryStream()));
        Assert.Contains("999", error.Message);
    }

    // Answers as a model could write them; what a spreadsheet would do with each is in the comment.
    private static readonly (string Answer, string InSpreadsheetCsv)[] FormulaLikeAnswers =
    [
        ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"), // a formula
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"), // DDE via a leading plus
        ("-2+3", "'-2+3"), // arithmetic: a formula, not a number
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-3", "-3"), // a plain negative number stays readable as the number
        ("+1.5e3", "+1.5e3"),
        ("42", "42"),
        ("a = b", "a = b"), // only a leading character matters
    ];

    [Fact]
    public async Task Spreadsheet_csv_quotes_formula_like_text_but_keeps_plain_numbers_while_jsonl_and_exact_csv_stay_exact()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        long batchId;
        await using (var db = database.NewContext())
        {
            var source = "id,prompt\n" + string.Concat(FormulaLikeAnswers.Select((_, i) => $"q{i},=question {i}\n"));
            var batch = await BatchImporter.ImportAsync(db, Files.Utf8(source), "answers.csv",
                new BatchImportRequest { Matrix = new BatchMatrix { Models = ["gpt-oss-20b"], ReasoningEfforts = [ReasoningEffort.Low] } },
                new BatchImportLimits(), TestData.Now);
            batchId = batch.Id;
            var items = await db.BatchItems.Where(i => i.BatchJobId == batchId).OrderBy(i => i.Order).ToListAsync();
            for (var i = 0; i < items.Count; i++) AddRun(db, batchId, items[i], RunStatus.Succeeded, FormulaLikeAnswers[i].Answer);
            await db.SaveChangesAsync();
        }

        var spreadsheet = await ReadCsvAsync(database, batchId, CsvTarget.Spreadsheet);
        var exact = await ReadCsvAsync(database, batchId, CsvTarget.Exact);
        using var jsonl = new MemoryStream();
        await using (var db = database.NewContext())
            await BatchExporter.WriteJsonlAsync(db, batchId, jsonl);
        var jsonRows = Encoding.UTF8.GetString(jsonl.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal(FormulaLikeAnswers.Select(a => a.InSpreadsheetCsv), spreadsheet.Select(r => r["answer"]));
        Assert.Equal(FormulaLikeAnswers.Select((_, i) => $"'=question {i}"), spreadsheet.Select(r => r["prompt"]));
        Assert.Equal(FormulaLikeAnswers.Select(a => a.Answer), exact.Select(r => r["answer"]));
        Assert.Equal(FormulaLikeAnswers.Select(a => a.Answer), jsonRows.Select(r => r.GetProperty("answer").GetString()));
        Assert.Equal(FormulaLikeAnswers.Select((_, i) => $"=question {i}"), jsonRows.Select(r => r.GetProperty("prompt").GetString()));
    }

    private static async Task<List<Dictionary<string, string>>> ReadCsvAsync(SqliteTestDatabase database, long batchId, CsvTarget target)
    {
        using var output = new MemoryStream();
        await using (var db = database.NewContext())
            await BatchExporter.WriteCsvAsync(db, batchId, output, target: target);
        using var csv = CsvReader.FromText(Encoding.UTF8.GetString(output.ToArray()), new CsvReaderOptions { Separator = ',', HasHeader = true });
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
            rows.Add(csv.Headers.Select((h, i) => (h, v: csv.GetString(i))).ToDictionary(x => x.h, x => x.v));
        return rows;
    }

    /// <summary>A run of <paramref name="item"/> that reached <paramref name="status"/>, with <paramref name="answer"/> as its final message.</summary>
    private static void AddRun(WorkbenchDbContext db, long batchId, BatchItem item, RunStatus status, string? answer)
    {
        var run = TestData.QueuedRun(item.Prompt);
        run.BatchJobId = batchId;
        run.BatchItem = item;
        run.MoveTo(RunStatus.Running, TestData.Now);
        if (answer is not null) run.Messages.Add(TestData.Output(MessageChannels.Final, answer, 0));
        if (status != RunStatus.Running) run.MoveTo(status, TestData.Now.AddSeconds(1));
        db.Runs.Add(run);
    }

    private static async Task<long> CreateBatchWithOneFinishedRunAsync(SqliteTestDatabase database)
    {
        await using var db = database.NewContext();
        var batch = await BatchImporter.ImportAsync(db, Files.Utf8(Source), "export.csv",
            new BatchImportRequest { Matrix = new BatchMatrix { Models = ["gpt-oss-20b"], ReasoningEfforts = [ReasoningEffort.Low, ReasoningEffort.High], Seeds = [4242] } },
            new BatchImportLimits(), TestData.Now);

        var first = await db.BatchItems.SingleAsync(i => i.BatchJobId == batch.Id && i.Order == 0);
        var run = TestData.QueuedRun(first.Prompt);
        run.BatchJobId = batch.Id;
        run.BatchItem = first;
        run.Manifest = new RunManifest
        {
            ModelName = "gpt-oss-20b", WeightsFingerprint = "sha256:feed", ReasoningEffort = ReasoningEffort.Low,
            Temperature = 0.6, TopP = 0.9, MaxTokens = 512, StopSequences = ["<|call|>", "STOP"], Seed = 4242,
        };
        run.MoveTo(RunStatus.Running, TestData.Now);
        run.Messages.Add(TestData.Output(MessageChannels.Analysis, "First add.", 0));
        run.Messages.Add(TestData.Output(MessageChannels.Analysis, "Then check.", 1));
        run.Messages.Add(TestData.Output(MessageChannels.Final, "3", 2));
        run.OutputTokens = 12;
        run.MoveTo(RunStatus.Succeeded, TestData.Now.AddSeconds(5));
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return batch.Id;
    }
}
