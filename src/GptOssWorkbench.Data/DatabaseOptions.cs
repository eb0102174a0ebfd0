namespace GptOssWorkbench.Data;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSQL,
}

/// <summary>
/// Which database holds the workbench data: configuration section "Database", the same keys for the web app, the
/// workers and docker-compose (Database__Provider=PostgreSQL, Database__ConnectionString=...).
/// </summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Sqlite (embedded default, a file in the data folder) or PostgreSQL (distributed mode).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for PostgreSQL. For SQLite, empty means <see cref="SqliteFileName"/> in the data folder.</summary>
    public string? ConnectionString { get; set; }

    public string SqliteFileName { get; set; } = "workbench.db";
}
