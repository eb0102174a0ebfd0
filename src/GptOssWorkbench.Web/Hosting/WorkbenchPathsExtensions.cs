namespace GptOssWorkbench.Web.Hosting;

using Microsoft.Extensions.Options;

public static class WorkbenchPathsExtensions
{
    public static void AddWorkbenchPaths(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkbenchOptions>().BindConfiguration(WorkbenchOptions.Section);
        builder.Services.AddSingleton(sp =>
            WorkbenchPaths.From(sp.GetRequiredService<IOptions<WorkbenchOptions>>().Value, sp.GetRequiredService<IWebHostEnvironment>()));
    }

    public static void LogWorkbenchPaths(this WebApplication app)
    {
        var paths = app.Services.GetRequiredService<WorkbenchPaths>();
        app.Logger.LogInformation("Data folder: {DataDirectory}", paths.DataDirectory);
        app.Logger.LogInformation("Web root: {WebRoot}", paths.WebRoot);
    }
}
