namespace GptOssWorkbench.Web.Database;

using GptOssWorkbench.Web.Hosting;
using Microsoft.Data.Sqlite;

/// <summary>The database the workbench actually uses, after options and paths are resolved.</summary>
public sealed record DatabaseTarget(DatabaseProvider Provider, string ConnectionString, string? DataFile)
{
    /// <summary>What to show a person: the SQLite file path, or just "PostgreSQL" (never the password).</summary>
    public string Description => Provider == DatabaseProvider.Sqlite ? $"SQLite file {DataFile}" : "PostgreSQL";

    public static DatabaseTarget From(DatabaseOptions options, WorkbenchPaths paths)
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
            ? new SqliteConnectionStringBuilder { DataSource = Path.Combine(paths.DataDirectory, options.SqliteFileName) }
            : new SqliteConnectionStringBuilder(options.ConnectionString);
        builder.DataSource = Path.GetFullPath(builder.DataSource, paths.BaseDirectory);
        return new DatabaseTarget(DatabaseProvider.Sqlite, builder.ToString(), builder.DataSource);
    }
}
