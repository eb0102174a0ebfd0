namespace GptOssWorkbench.Migrations.Postgres;

using GptOssWorkbench.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

/// <summary>
/// Lets `dotnet ef migrations add X --project migrations/GptOssWorkbench.Migrations.Postgres` build the
/// model for PostgreSQL. Adding a migration does not connect; pass a connection string to use `database update`.
/// </summary>
public class DesignTimeFactory : IDesignTimeDbContextFactory<WorkbenchDbContext>
{
    public WorkbenchDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<WorkbenchDbContext>();
        WorkbenchDatabase.Configure(options, DatabaseTarget.PostgreSql(args.FirstOrDefault() ?? "Host=127.0.0.1;Database=gptoss;Username=postgres"));
        return new WorkbenchDbContext(options.Options);
    }
}
