namespace GptOssWorkbench.Migrations.Sqlite;

using GptOssWorkbench.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

/// <summary>
/// Lets `dotnet ef migrations add X --project migrations/GptOssWorkbench.Migrations.Sqlite` build the model
/// for SQLite. No database is opened to add a migration; the file name only matters for `database update`.
/// </summary>
public class DesignTimeFactory : IDesignTimeDbContextFactory<WorkbenchDbContext>
{
    public WorkbenchDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<WorkbenchDbContext>();
        WorkbenchDatabase.Configure(options, DatabaseTarget.Sqlite(args.FirstOrDefault() ?? Path.Combine(Path.GetTempPath(), "gptoss-design-time.db")));
        return new WorkbenchDbContext(options.Options);
    }
}
