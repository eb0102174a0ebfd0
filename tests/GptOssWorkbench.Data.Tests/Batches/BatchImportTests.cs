namespace GptOssWorkbench.Data.Tests.Batches;

using System.Text.Json;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class BatchImportTests
{
    private static readonly BatchMatrix OneModel = new() { Models = ["gpt-oss-20b"] };

    [Fact]
    public async Task Csv_with_quoted_fields_unicode_and_extra_columns_imports_every_row()
    {
        const string csv =
            "\uFEFFid,prompt,system,difficulty,source\r\n" + // Excel writes a byte order mark
            "q1,\"Say \"\"hi\"\", then stop, please\",,easy,manual\r\n" +
            "q2,\"Line one\nline two\nline three\",Be brief.,hard,\"a,b\"\r\n" +
            "q3,Ünïcødé 日本語 🙂 prompt,,medium,\r\n";
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var db = database.NewContext();

        var batch = await BatchImporter.ImportAsync(db, Files.Utf8(csv), "prompts.csv", new BatchImportRequest { Matrix = OneModel },
            new BatchImportLimits(), TestData.Now);

        await using var check = database.NewContext();
        var stored = await check.BatchJobs.Include(b => b.Items).SingleAsync(b => b.Id == batch.Id);
        Assert.Equal("prompts", stored.Name);
        Assert.Equal("prompts.csv", stored.SourceFileName);
        Assert.Equal((3, 3), (stored.PromptCount, stored.ItemCount));
        Assert.Equal(["gpt-oss-20b"], stored.Matrix.Models);
        var items = stored.Items.OrderBy(i => i.Order).ToList();
        Assert.Equal(["q1", "q2", "q3"], items.Select(i => i.ExternalId).ToList());
        Assert.Equal("Say \"hi\", then stop, please", items[0].Prompt);
        Assert.Equal("Line one\nline two\nline three", items[1].Prompt);
        Assert.Equal("Ünïcødé 日本語 🙂 prompt", items[2].Prompt);
        Assert.Equal([null, "Be brief.", null], items.Select(i => i.SystemInstructions).ToList());
        Assert.Equal([2, 3, 6], items.Select(i => i.SourceLine).ToList());
        Assert.Equal(("hard", "a,b"), Metadata(items[1]));
        Assert.Equal(("medium", ""), Metadata(items[2]));

        static (string, string) Metadata(BatchItem item)
        {
            using var json = JsonDocument.Parse(item.MetadataJson);
            return (json.RootElement.GetProperty("difficulty").GetString()!, json.RootElement.GetProperty("source").GetString()!);
        }
    }

    [Fact]
    public async Task Jsonl_with_numeric_ids_nested_metadata_and_blank_lines_imports_every_row()
    {
        const string jsonl =
            "{\"prompt\": \"What is 2+2?\", \"id\": 17, \"tags\": [\"math\", \"easy\"], \"gold\": {\"answer\": 4}}\n" +
            "\n" +
            "{\"Prompt\": \"Schreib ein Gedicht über Ä\", \"developer\": \"Rhyme.\", \"system\": null, \"lang\": \"de\"}\r\n";
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var db = database.NewContext();

        var batch = await BatchImporter.ImportAsync(db, Files.Utf8(jsonl), "set.jsonl", new BatchImportRequest { Name = "  poems  ", Matrix = OneModel },
            new BatchImportLimits(), TestData.Now);

        await using var check = database.NewContext();
        var items = await check.BatchItems.Where(i => i.BatchJobId == batch.Id).OrderBy(i => i.Order).ToListAsync();
        Assert.Equal("poems", (await check.BatchJobs.SingleAsync()).Name);
        Assert.Equal(2, items.Count);
        Assert.Equal(("17", "What is 2+2?", 1), (items[0].ExternalId, items[0].Prompt, items[0].SourceLine));
        using (var metadata = JsonDocument.Parse(items[0].MetadataJson))
        {
            Assert.Equal("easy", metadata.RootElement.GetProperty("tags")[1].GetString());
            Assert.Equal(4, metadata.RootElement.GetProperty("gold").GetProperty("answer").GetInt32());
        }
        Assert.Equal(("Schreib ein Gedicht über Ä", "Rhyme.", null, 3), (items[1].Prompt, items[1].DeveloperInstructions, items[1].SystemInstructions, items[1].SourceLine));
        Assert.Equal("{\"lang\":\"de\"}", items[1].MetadataJson);
    }

    [Fact]
    public async Task Expected_column_is_the_reference_answer_and_an_empty_cell_means_none()
    {
        const string csv =
            "prompt,Expected,topic\n" +
            "What is 4738 + 1295?, 6033 ,add\n" +
            "Write a haiku,,poetry\n" +
            "What is 9 - 12?,-3,sub\n";
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
            await BatchImporter.ImportAsync(db, Files.Utf8(csv), "math.csv",
                new BatchImportRequest { Matrix = new BatchMatrix { Models = ["gpt-oss-nano"], Temperatures = [0.0, 1.0] } },
                new BatchImportLimits(), TestData.Now);

        await using var check = database.NewContext();
        var items = await check.BatchItems.OrderBy(i => i.Order).ToListAsync();
        Assert.Equal(["6033", "6033", null, null, "-3", "-3"], items.Select(i => i.Expected).ToList());
        Assert.Equal(["add", "add", "poetry", "poetry", "sub", "sub"], items.Select(i => i.MetadataJson).Select(j => JsonDocument.Parse(j).RootElement.GetProperty("topic").GetString()).ToList());
        Assert.DoesNotContain(items, i => i.MetadataJson.Contains("xpected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Jsonl_expected_may_be_a_string_or_a_number_and_keeps_the_numbers_text()
    {
        const string jsonl =
            "{\"prompt\": \"What is 2+2?\", \"expected\": 4}\n" +
            "{\"prompt\": \"Half of 5?\", \"expected\": 2.50}\n" +
            "{\"prompt\": \"Capital of France?\", \"expected\": \"Paris\"}\n" +
            "{\"prompt\": \"Open question\", \"expected\": null}\n" +
            "{\"prompt\": \"Blank\", \"expected\": \"  \"}\n";
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
            await BatchImporter.ImportAsync(db, Files.Utf8(jsonl), "set.jsonl", new BatchImportRequest { Matrix = OneModel },
                new BatchImportLimits(), TestData.Now);

        await using var check = database.NewContext();
        var items = await check.BatchItems.OrderBy(i => i.Order).ToListAsync();
        Assert.Equal(["4", "2.50", "Paris", null, null], items.Select(i => i.Expected).ToList());
        Assert.All(items, i => Assert.Equal("{}", i.MetadataJson));
    }

    public static TheoryData<string, string, int?, string?, string> MalformedFiles => new()
    {
        // file name, content, expected line, expected field, words the reason must contain
        { "a.csv", "id,question\n1,hello\n", 1, "prompt", "no 'prompt' column" },
        { "a.csv", "prompt,id\nfine,1\nalso fine,2\n  ,3\n", 4, "prompt", "empty prompt" },
        { "a.csv", "prompt,id\n\"multi\nline\",1\n,2\n", 4, "prompt", "empty prompt" },
        { "a.csv", "prompt,id\nok,1\ntoo,many,fields\n", 3, null, "expected 2 fields" },
        { "a.csv", "prompt,id\nok,1\n\"unterminated,2\n", 3, null, "quote" },
        { "a.csv", "prompt,id\nok,1\nsay \"hi\" now,2\n", 3, null, "quote" },
        { "a.csv", "prompt,id\nx,7\ny,7\n", 3, "id", "duplicate id '7' (first used on line 2)" },
        { "a.csv", "prompt,Prompt\nx,y\n", 1, "Prompt", "twice" },
        { "a.csv", "", null, null, "empty" },
        { "a.csv", "prompt\n", null, null, "no prompts" },
        { "a.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\":\"ok\",}\n", 2, null, "invalid JSON" },
        { "a.jsonl", "{\"prompt\":\"ok\"}\n\n{\"prompt\": \"\"}\n", 3, "prompt", "empty prompt" },
        { "a.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\": 42}\n", 2, "prompt", "expected a string, found a number" },
        { "a.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\": \"x\", \"system\": [\"a\"]}\n", 2, "system", "expected a string, found an array" },
        { "a.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\": \"x\", \"id\": 1.5}\n", 2, "id", "expected a string or an integer" },
        { "a.jsonl", "{\"prompt\":\"ok\"}\n{\"text\": \"no prompt here\"}\n", 2, "prompt", "missing prompt" },
        { "a.jsonl", "[\"prompt\", \"x\"]\n", 1, null, "expected a JSON object, found an array" },
        { "a.txt", "prompt\nx\n", null, null, "unsupported file type '.txt'" },
        { "a.csv", "prompt,expected\nok,1\nx," + new string('9', 10_001) + "\n", 3, "expected", "10001 characters is over the limit of 10000" },
        { "a.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\": \"x\", \"expected\": {\"answer\": 4}}\n", 2, "expected", "expected a string or a number, found an object" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public async Task A_malformed_file_names_line_and_field_and_imports_nothing(string fileName, string content, int? line, string? field, string reason)
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var before = await ImportExistingBatchAsync(database);

        await using (var db = database.NewContext())
        {
            var error = await Assert.ThrowsAsync<BatchImportException>(() => BatchImporter.ImportAsync(
                db, Files.Utf8(content), fileName, new BatchImportRequest { Matrix = OneModel }, new BatchImportLimits(), TestData.Now));
            Assert.Equal(line, error.Line);
            Assert.Equal(field, error.Field);
            Assert.Contains(reason, error.Message);
            Assert.StartsWith(fileName, error.Message);
            if (line is not null)
                Assert.Contains($"line {line}", error.Message);
            if (field is not null)
                Assert.Contains($"field '{field}'", error.Message);
        }

        Assert.Equal(before, await SnapshotAsync(database));
    }

    [Fact]
    public async Task Invalid_utf8_is_refused_with_its_line()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var before = await ImportExistingBatchAsync(database);
        byte[] latin1 = [.. "prompt\nok\n"u8, 0x63, 0x61, 0x66, 0xE9, 0x0A]; // "café" saved as Latin-1 on line 3

        await using (var db = database.NewContext())
        {
            var error = await Assert.ThrowsAsync<BatchImportException>(() => BatchImporter.ImportAsync(
                db, new MemoryStream(latin1), "latin1.csv", new BatchImportRequest { Matrix = OneModel }, new BatchImportLimits(), TestData.Now));
            Assert.Equal(3, error.Line);
            Assert.Contains("UTF-8", error.Message);
        }
        Assert.Equal(before, await SnapshotAsync(database));
    }

    [Fact]
    public async Task Limits_on_rows_prompt_length_and_items_give_clear_errors_and_import_nothing()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var before = await ImportExistingBatchAsync(database);
        var limits = new BatchImportLimits { MaxRows = 3, MaxPromptChars = 10, MaxItems = 8 };

        async Task<BatchImportException> Import(string csv, BatchMatrix matrix)
        {
            await using var db = database.NewContext();
            return await Assert.ThrowsAsync<BatchImportException>(() => BatchImporter.ImportAsync(
                db, Files.Utf8(csv), "limits.csv", new BatchImportRequest { Matrix = matrix }, limits, TestData.Now));
        }

        var tooMany = await Import("prompt\na\nb\nc\nd\n", OneModel);
        Assert.Equal(5, tooMany.Line);
        Assert.Contains("more than 3 prompts", tooMany.Message);

        var tooLong = await Import("prompt,system\nshort,way too long system\n", OneModel);
        Assert.Equal((2, "system"), (tooLong.Line, tooLong.Field));
        Assert.Contains("over the limit of 10", tooLong.Message);

        var tooManyItems = await Import("prompt\na\nb\nc\n", new BatchMatrix { Models = ["m1", "m2"], Seeds = [1, 2] });
        Assert.Equal("matrix", tooManyItems.Field);
        Assert.Contains("3 prompts × 4 matrix cells = 12 items, over the limit of 8", tooManyItems.Message);

        var badMatrix = await Import("prompt\na\n", new BatchMatrix { Models = ["m1", "m1"] });
        Assert.Equal("matrix", badMatrix.Field);
        Assert.Contains("'m1' twice", badMatrix.Message);

        Assert.Equal(before, await SnapshotAsync(database));
    }

    [Fact]
    public async Task A_failure_while_writing_rolls_back_the_whole_batch()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        var before = await ImportExistingBatchAsync(database);

        await using (var db = database.NewContext())
        {
            // A creator id that is not a user: the insert of the batch row fails on its foreign key after
            // the file was accepted, so the transaction must leave no items behind.
            await Assert.ThrowsAsync<DbUpdateException>(() => BatchImporter.ImportAsync(db, Files.Utf8("prompt\na\nb\n"), "ok.csv",
                new BatchImportRequest { Matrix = OneModel, CreatedByUserId = "nobody" }, new BatchImportLimits(), TestData.Now));
        }
        Assert.Equal(before, await SnapshotAsync(database));
    }

    [Fact]
    public async Task Import_joins_a_transaction_the_caller_opened_and_rolls_back_with_it()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var batch = await BatchImporter.ImportAsync(db, Files.Utf8("prompt\na\n"), "t.csv",
                new BatchImportRequest { Matrix = OneModel }, new BatchImportLimits(), TestData.Now);
            Assert.True(batch.Id > 0);
            await transaction.RollbackAsync();
        }

        await using var check = database.NewContext();
        Assert.Equal(0, await check.BatchJobs.CountAsync());
        Assert.Equal(0, await check.BatchItems.CountAsync());
    }

    private static async Task<string> ImportExistingBatchAsync(SqliteTestDatabase database)
    {
        await using (var db = database.NewContext())
            await BatchImporter.ImportAsync(db, Files.Utf8("prompt,id\nexisting one,e1\nexisting two,e2\n"), "existing.csv",
                new BatchImportRequest { Matrix = new BatchMatrix { Models = ["m"], ReasoningEfforts = [ReasoningEffort.Low, ReasoningEffort.High] } },
                new BatchImportLimits(), TestData.Now);
        return await SnapshotAsync(database);
    }

    /// <summary>Every batch and item row as text: equal snapshots mean nothing was written or changed.</summary>
    private static async Task<string> SnapshotAsync(SqliteTestDatabase database)
    {
        await using var db = database.NewContext();
        var batches = await db.BatchJobs.AsNoTracking().OrderBy(b => b.Id).Select(b => $"{b.Id}|{b.Name}|{b.ItemCount}|{b.Status}").ToListAsync();
        var items = await db.BatchItems.AsNoTracking().OrderBy(i => i.Id)
            .Select(i => $"{i.Id}|{i.BatchJobId}|{i.Order}|{i.Prompt}|{i.ExternalId}|{i.ReasoningEffort}").ToListAsync();
        return string.Join("\n", batches.Concat(items));
    }
}
