namespace GptOssWorkbench.Data;

using Microsoft.Data.Sqlite;

/// <summary>
/// The database a process actually uses, after options and paths are resolved. Resolving touches no disk: a missing
/// or unusable data folder is found (and reported) when the database is first prepared (<see cref="WorkbenchDatabase.MigrateAsync"/>).
/// </summary>
public sealed record DatabaseTarget(DatabaseProvider Provider, string ConnectionString, string? DataFile)
{
    /// <summary>What to show a person: the SQLite file path, or just "PostgreSQL" (never the password).</summary>
    public string Description => Provider == DatabaseProvider.Sqlite ? $"SQLite file {DataFile}" : "PostgreSQL";

    /// <summary>A SQLite file (tests, the CLI's benchmark, design-time tools).</summary>
    public static DatabaseTarget Sqlite(string dataFile) =>
        From(new DatabaseOptions { ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(dataFile) }.ToString() }, ".");

    public static DatabaseTarget PostgreSql(string connectionString) =>
        From(new DatabaseOptions { Provider = DatabaseProvider.PostgreSQL, ConnectionString = connectionString }, ".");

    /// <param name="dataDirectory">Where the SQLite file goes when no connection string names one.</param>
    /// <param name="baseDirectory">What a relative SQLite path is relative to (default: the current folder).</param>
    public static DatabaseTarget From(DatabaseOptions options, string dataDirectory, string? baseDirectory = null)
    {
        if (options.Provider == DatabaseProvider.PostgreSQL)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                throw new InvalidOperationException(
                    "Database:Provider is PostgreSQL but Database:ConnectionString is empty. " +
                    "Set it, e.g. Database__ConnectionString=\"Host=postgres;Database=workbench;Username=...;Password=...\".");
            }
            return new DatabaseTarget(DatabaseProvider.PostgreSQL, options.ConnectionString, null);
        }

        var builder = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, options.SqliteFileName) }
            : ParseSqlite(options.ConnectionString);
        builder.DataSource = Path.GetFullPath(builder.DataSource, baseDirectory ?? Directory.GetCurrentDirectory());
        return new DatabaseTarget(DatabaseProvider.Sqlite, SqliteConnectionString(builder), builder.DataSource);
    }

    private static SqliteConnectionStringBuilder ParseSqlite(string connectionString)
    {
        try
        {
            return new SqliteConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // The driver's own message ("Keyword not supported: 'x'") does not say which setting to fix.
            throw new InvalidOperationException($"Database:ConnectionString is not a valid SQLite connection string: {e.Message}", e);
        }
    }

    private static string SqliteConnectionString(SqliteConnectionStringBuilder builder)
    {
        builder.ForeignKeys = true;
        // Web requests, chat streams and batch jobs write the same file: a writer waits for the lock (see also the
        // busy_timeout pragma in WorkbenchDatabase) instead of failing with "database is locked".
        builder.DefaultTimeout = 30;
        return builder.ToString();
    }
}
