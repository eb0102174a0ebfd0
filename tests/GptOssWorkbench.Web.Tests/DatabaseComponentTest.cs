namespace GptOssWorkbench.Web.Tests;

using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>bUnit base for components that read and write the database: a real migrated SQLite file per test, the
/// host's DbContext factory over it, and the reviewer lookup (the local reviewer unless a test signs someone in).</summary>
public abstract class DatabaseComponentTest : WorkbenchComponentTest
{
    protected DatabaseComponentTest()
    {
        Services.AddSingleton<IDbContextFactory<WorkbenchDbContext>>(Db);
        Services.AddScoped<CurrentReviewer>();
        Services.AddScoped<RunFlags>();
    }

    protected TestDatabase Db { get; } = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Db.Dispose();
    }
}
