namespace GptOssWorkbench.Web.Database;

/// <summary>
/// Outcome of preparing the database at start. A failure does not stop the process: the workbench keeps
/// serving so that /healthz and the home page can say what is wrong, instead of a crash loop.
/// </summary>
public sealed class DatabaseStartup
{
    public string? Error { get; private set; }

    public int AppliedMigrations { get; private set; }

    public void Succeeded(int appliedMigrations) => (Error, AppliedMigrations) = (null, appliedMigrations);

    public void Failed(string error) => Error = error;
}
