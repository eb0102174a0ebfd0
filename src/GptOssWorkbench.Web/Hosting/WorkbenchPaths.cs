namespace GptOssWorkbench.Web.Hosting;

/// <summary>
/// The folders the workbench uses, resolved once at start. In a clone every relative path is anchored at the
/// repository root (the folder holding GptOssWorkbench.sln), so `dotnet run --project src/GptOssWorkbench.Web`,
/// the tests and an IDE all share the same wwwroot/ and data/. A published app has no solution file above it,
/// so its content root (the app folder) takes the role of the repository root.
/// </summary>
public sealed record WorkbenchPaths(string BaseDirectory, string WebRoot, string DataDirectory)
{
    private const string SolutionFileName = "GptOssWorkbench.sln";

    /// <summary>
    /// The web root has to be fixed before the builder exists, when appsettings.json is not read yet; so
    /// Workbench:WebRoot is taken from the command line and environment only (that is where tests and
    /// containers set it).
    /// </summary>
    public static WebApplicationOptions CreateWebApplicationOptions(string[] args)
    {
        var early = new ConfigurationBuilder()
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        var contentRoot = Path.GetFullPath(early[WebHostDefaults.ContentRootKey] ?? Directory.GetCurrentDirectory());
        var baseDirectory = FindBaseDirectory(contentRoot);
        return new WebApplicationOptions
        {
            Args = args,
            WebRootPath = Resolve(baseDirectory, early[$"{WorkbenchOptions.Section}:WebRoot"], "wwwroot"),
        };
    }

    public static WorkbenchPaths From(WorkbenchOptions options, IWebHostEnvironment environment)
    {
        var baseDirectory = FindBaseDirectory(environment.ContentRootPath);
        return new WorkbenchPaths(
            baseDirectory,
            environment.WebRootPath,
            Resolve(baseDirectory, options.DataDirectory, "data"));
    }

    private static string Resolve(string baseDirectory, string? configured, string fallback) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? fallback : configured, baseDirectory);

    private static string FindBaseDirectory(string contentRoot) =>
        FindSolutionDirectory(contentRoot) ?? FindSolutionDirectory(AppContext.BaseDirectory) ?? contentRoot;

    private static string? FindSolutionDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
