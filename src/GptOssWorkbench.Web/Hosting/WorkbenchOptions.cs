namespace GptOssWorkbench.Web.Hosting;

/// <summary>Where the workbench keeps its files (configuration section "Workbench").</summary>
public sealed class WorkbenchOptions
{
    public const string Section = "Workbench";

    /// <summary>Static web assets folder. Empty: the repository's top-level wwwroot/.</summary>
    public string? WebRoot { get; set; }

    /// <summary>Folder for the SQLite file and other local state. Empty: data/ under the repository root.</summary>
    public string? DataDirectory { get; set; }
}
