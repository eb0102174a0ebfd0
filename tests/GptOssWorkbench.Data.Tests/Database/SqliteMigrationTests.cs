namespace GptOssWorkbench.Data.Tests.Database;

using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

public class SqliteMigrationTests
{
    [Fact]
    public async Task Migrations_create_every_table_in_a_fresh_file()
    {
        await using var database = await SqliteTestDatabase.CreateAsync(migrate: false);
        Assert.False(File.Exists(database.FilePath));

        await using (var db = database.NewContext())
            await WorkbenchDatabase.MigrateAsync(db);

        Assert.True(File.Exists(database.FilePath));
        var tables = await ReadTableNamesAsync(database.FilePath);
        string[] expected =
        [
            "ApiKeys", "AuditLog", "BatchItems", "BatchJobs", "Comments", "Conversations", "DataProtectionKeys", "Messages", "PairwiseComparisons", "Ratings",
            "ModelDownloads", "ReasoningPolicies", "RegisteredModels", "RegisteredRemoteEngines", "RunFlags", "RunLogprobs", "RunTags", "Runs", "SpanAnnotations", "Tags", "UserClaims", "UserLogins", "UserTokens", "Users", "WorkerHeartbeats", "__EFMigrationsHistory",
            "__EFMigrationsLock", // EF Core 9+ serializes concurrent MigrateAsync calls (web + worker) with it
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), tables.Order(StringComparer.Ordinal));

        await using (var db = database.NewContext())
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            // The entities and the committed migration agree (someone changed the model without `dotnet ef migrations add`).
            Assert.False(db.Database.HasPendingModelChanges());
            Assert.Contains(await db.Database.GetAppliedMigrationsAsync(), m => m.EndsWith("_Initial"));
        }
    }

    [Fact]
    public async Task Migrating_again_keeps_the_data_and_the_file_is_in_wal_mode()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            db.Users.Add(TestData.User("ada"));
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            await WorkbenchDatabase.MigrateAsync(db);
            Assert.Equal("ada", (await db.Users.SingleAsync()).Name);
        }

        await using var connection = new SqliteConnection($"Data Source={database.FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Configuring_touches_no_disk_and_migrating_creates_the_missing_data_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gptoss-data-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            var target = DatabaseTarget.From(new DatabaseOptions(), Path.Combine(folder, "nested"));
            var builder = new DbContextOptionsBuilder<WorkbenchDbContext>();
            WorkbenchDatabase.Configure(builder, target);
            Assert.False(Directory.Exists(folder));

            await using (var db = new WorkbenchDbContext(builder.Options))
                await WorkbenchDatabase.MigrateAsync(db);

            Assert.Equal(Path.Combine(folder, "nested", "workbench.db"), target.DataFile);
            Assert.True(File.Exists(target.DataFile));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder))
                Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void An_empty_postgres_connection_string_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            DatabaseTarget.From(new DatabaseOptions { Provider = DatabaseProvider.PostgreSQL }, "data"));
        Assert.Contains("Database:ConnectionString", error.Message);
    }

    private static async Task<List<string>> ReadTableNamesAsync(string file)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            names.Add(reader.GetString(0));
        return names;
    }
}
