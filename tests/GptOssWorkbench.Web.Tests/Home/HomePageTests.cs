namespace GptOssWorkbench.Web.Tests.Home;

using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Database;
using GptOssWorkbench.Web.Home;
using GptOssWorkbench.Web.Jobs;
using GptOssWorkbench.Web.Status;
using Microsoft.Extensions.DependencyInjection;

public sealed class HomePageTests : WorkbenchComponentTest
{
    private readonly DatabaseStartup _startup = new();

    private IRenderedComponent<HomePage> RenderHome(EngineStatus engine, DatabaseTarget database, JobStorageMode jobs)
    {
        Services.AddSingleton(engine);
        Services.AddSingleton(database);
        Services.AddSingleton(_startup);
        Services.AddSingleton(jobs);
        return Render<HomePage>();
    }

    [Fact]
    public void Embedded_mode_shows_device_threads_no_model_and_the_sqlite_file()
    {
        var cut = RenderHome(
            new EngineStatus("cpu", 2, LoadedModel: null, Error: null),
            new DatabaseTarget(DatabaseProvider.Sqlite, "Data Source=/srv/wb/data/workbench.db", "/srv/wb/data/workbench.db"),
            new JobStorageMode("in-memory", RunsServerInProcess: true, WorkerCount: 8));

        Assert.Equal("cpu", cut.Find("[data-testid=engine-device]").TextContent);
        Assert.Equal("2", cut.Find("[data-testid=engine-threads]").TextContent);
        Assert.Equal("no model", cut.Find("[data-testid=engine-model]").TextContent);
        Assert.Equal("SQLite", cut.Find("[data-testid=database-provider]").TextContent);
        Assert.Equal("/srv/wb/data/workbench.db", cut.Find("[data-testid=database-file]").TextContent);
        Assert.Contains("in-process server (8 workers)", cut.Find("[data-testid=jobs-storage]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=database-error]"));
    }

    [Fact]
    public void Distributed_mode_shows_postgres_without_a_file_and_external_workers()
    {
        var cut = RenderHome(
            new EngineStatus("cuda", 16, LoadedModel: "gpt-oss-20b", Error: null),
            new DatabaseTarget(DatabaseProvider.PostgreSQL, "Host=db;Password=secret", DataFile: null),
            new JobStorageMode("PostgreSQL", RunsServerInProcess: false, WorkerCount: 8));

        Assert.Equal("gpt-oss-20b", cut.Find("[data-testid=engine-model]").TextContent);
        Assert.Equal("PostgreSQL", cut.Find("[data-testid=database-provider]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=database-file]"));
        Assert.Contains("served by worker processes", cut.Find("[data-testid=jobs-storage]").TextContent);
        Assert.DoesNotContain("secret", cut.Markup);
    }

    [Fact]
    public void Startup_failures_of_engine_and_database_are_shown_instead_of_values()
    {
        _startup.Failed("Could not prepare the database (SQLite file /x/workbench.db): file is not a database");

        var cut = RenderHome(
            new EngineStatus(null, null, null, "The engine could not load libtorch: missing libtorch_cpu.so"),
            new DatabaseTarget(DatabaseProvider.Sqlite, "Data Source=/x/workbench.db", "/x/workbench.db"),
            new JobStorageMode("in-memory", true, 8));

        Assert.Contains("missing libtorch_cpu.so", cut.Find("[data-testid=engine-error]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=engine-device]"));
        Assert.Contains("file is not a database", cut.Find("[data-testid=database-error]").TextContent);
    }
}
