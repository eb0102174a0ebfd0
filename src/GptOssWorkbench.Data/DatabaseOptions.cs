namespace GptOssWorkbench.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Bound from configuration section "Database" (e.g. Database__Provider=Postgres).</summary>
public class DatabaseOptions
{
    public const string SectionName = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>SQLite data file (embedded mode); its folder is created if missing.</summary>
    public string SqliteFile { get; set; } = "data/workbench.db";

    /// <summary>Npgsql connection string (distributed mode).</summary>
    public string? PostgresConnectionString { get; set; }
}
