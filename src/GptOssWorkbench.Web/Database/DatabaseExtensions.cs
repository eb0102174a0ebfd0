namespace GptOssWorkbench.Web.Database;

using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

public static class DatabaseExtensions
{
    public static void AddWorkbenchDatabase(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        builder.Services.AddSingleton(sp =>
        {
            var paths = sp.GetRequiredService<WorkbenchPaths>();
            return DatabaseTarget.From(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, paths.DataDirectory, paths.BaseDirectory);
        });
        builder.Services.AddSingleton<DatabaseStartup>();

        // A factory, not a scoped context: a Blazor Server circuit lives for the whole visit, so each unit of
        // work creates and disposes its own short-lived context.
        builder.Services.AddDbContextFactory<WorkbenchDbContext>((sp, options) =>
            WorkbenchDatabase.Configure(options, sp.GetRequiredService<DatabaseTarget>()));
    }

    /// <summary>Creates the data folder and applies EF migrations; records (and logs) a failure instead of throwing.</summary>
    public static async Task MigrateWorkbenchDatabaseAsync(this WebApplication app)
    {
        var startup = app.Services.GetRequiredService<DatabaseStartup>();
        var target = app.Services.GetRequiredService<DatabaseTarget>();
        try
        {
            var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
            await using var db = await factory.CreateDbContextAsync();
            var pending = (await db.Database.GetPendingMigrationsAsync()).Count();
            await WorkbenchDatabase.MigrateAsync(db);
            startup.Succeeded(pending);
            app.Logger.LogInformation("Database ready: {Database} ({Applied} migrations applied now)", target.Description, pending);
        }
        catch (Exception e)
        {
            var error = $"Could not prepare the database ({target.Description}): {e.Message}";
            startup.Failed(error);
            app.Logger.LogCritical(e, "{Error}", error);
        }
    }
}
