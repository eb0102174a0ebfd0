namespace GptOssWorkbench.Data.Tests.Infrastructure;

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

/// <summary>A migrated SQLite database in a real file in its own temp folder, deleted on dispose.</summary>
public sealed class SqliteTestDatabase : IAsyncDisposable
{
    private SqliteTestDatabase(string folder)
    {
        Folder = folder;
        Target = DatabaseTarget.Sqlite(Path.Combine(folder, "workbench.db"));
    }

    public string Folder { get; }
    public DatabaseTarget Target { get; }
    public string FilePath => Target.DataFile!;

    public static async Task<SqliteTestDatabase> CreateAsync(bool migrate = true)
    {
        var database = new SqliteTestDatabase(Directory.CreateTempSubdirectory("gptoss-data-tests-").FullName);
        if (migrate)
        {
            await using var db = database.NewContext();
            await WorkbenchDatabase.MigrateAsync(db);
        }
        return database;
    }

    /// <summary>A fresh context per unit of work, as the hosts use them (IDbContextFactory).</summary>
    public WorkbenchDbContext NewContext()
    {
        var builder = new DbContextOptionsBuilder<WorkbenchDbContext>();
        WorkbenchDatabase.Configure(builder, Target);
        return new WorkbenchDbContext(builder.Options);
    }

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the folder can go.
        SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}
