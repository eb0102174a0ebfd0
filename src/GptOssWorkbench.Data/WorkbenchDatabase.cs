namespace GptOssWorkbench.Data;

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

/// <summary>Provider selection and migration for the web and worker hosts; configuration decides the mode.</summary>
public static class WorkbenchDatabase
{
    public const string SqliteMigrationsAssembly = "GptOssWorkbench.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "GptOssWorkbench.Migrations.Postgres";

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, DatabaseOptions options)
    {
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                builder.UseSqlite(SqliteConnectionString(options.SqliteFile),
                    sqlite => sqlite.MigrationsAssembly(SqliteMigrationsAssembly));
                break;
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
                    throw new InvalidOperationException(
                        "Database:Provider is Postgres but Database:PostgresConnectionString is empty.");
                builder.UseNpgsql(options.PostgresConnectionString,
                    npgsql => npgsql.MigrationsAssembly(PostgresMigrationsAssembly));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{options.Provider}'.");
        }
        return builder;
    }

    public static string SqliteConnectionString(string dataFile)
    {
        if (string.IsNullOrWhiteSpace(dataFile))
            throw new InvalidOperationException("Database:SqliteFile is empty.");
        var fullPath = Path.GetFullPath(dataFile);
        // SQLite creates the file but not its folder; a fresh clone has no data/ folder yet.
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        return new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            ForeignKeys = true,
            // Web requests and workers share the file; wait for a writer instead of failing at once.
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>
    /// Applies pending migrations. For SQLite it also switches the file to WAL, so readers (the UI) do not
    /// block the worker's writes; the setting is stored in the file, so doing it once per start is enough.
    /// </summary>
    public static async Task MigrateAsync(WorkbenchDbContext db, CancellationToken cancellationToken = default)
    {
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}
