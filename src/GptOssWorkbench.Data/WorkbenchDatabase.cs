namespace GptOssWorkbench.Data;

using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

/// <summary>Provider selection and migration for the web, worker and CLI hosts; configuration decides the mode.</summary>
public static class WorkbenchDatabase
{
    public const string SqliteMigrationsAssembly = "GptOssWorkbench.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "GptOssWorkbench.Migrations.Postgres";

    /// <summary>How long a SQLite writer waits for another writer's lock before giving up.</summary>
    public static readonly TimeSpan SqliteBusyTimeout = TimeSpan.FromSeconds(30);

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, DatabaseTarget target)
    {
        if (target.Provider == DatabaseProvider.PostgreSQL)
        {
            builder.UseNpgsql(target.ConnectionString, npgsql => npgsql.MigrationsAssembly(PostgresMigrationsAssembly));
        }
        else
        {
            builder.UseSqlite(target.ConnectionString, sqlite => sqlite.MigrationsAssembly(SqliteMigrationsAssembly))
                .AddInterceptors(SqliteBusyTimeoutInterceptor.Instance);
        }
        return builder;
    }

    /// <summary>
    /// Creates the SQLite file's folder, applies pending migrations and switches SQLite to WAL: readers (pages) no
    /// longer block writers (jobs), and a writer only waits for another writer. WAL is stored in the file, so once
    /// per start is enough. Throws with the provider's message when the database is unusable.
    /// </summary>
    public static async Task MigrateAsync(WorkbenchDbContext db, CancellationToken cancellationToken = default)
    {
        if (db.Database.IsSqlite() && db.Database.GetDbConnection().DataSource is { Length: > 0 } file && file != ":memory:")
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }

    /// <summary>
    /// Sets SQLite's own busy handler on every connection: Microsoft.Data.Sqlite retries a busy statement, but a
    /// COMMIT that finds the WAL locked by another writer needs SQLite itself to wait.
    /// </summary>
    private sealed class SqliteBusyTimeoutInterceptor : DbConnectionInterceptor
    {
        public static readonly SqliteBusyTimeoutInterceptor Instance = new();
        private static readonly string Pragma = $"PRAGMA busy_timeout = {(int)SqliteBusyTimeout.TotalMilliseconds};";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
