namespace GptOssWorkbench.Data.Tests.Infrastructure;

using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Npgsql;

/// <summary>
/// A private PostgreSQL 15 cluster for the test run: initdb + pg_ctl as the `postgres` OS user (PostgreSQL
/// refuses to run as root), listening on 127.0.0.1 on a free port, with its data, socket and log in a temp
/// folder that is deleted at the end. Installs the Debian packages when the binaries are missing.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private string _folder = "";
    private int _port;
    private bool _started;

    private string DataDirectory => Path.Combine(_folder, "data");
    public string LogFile => Path.Combine(_folder, "postgres.log");

    public async Task InitializeAsync()
    {
        await EnsureInstalledAsync();
        _folder = Directory.CreateTempSubdirectory("gptoss-pg-").FullName;
        await ExternalProcess.RunAsync("chown", ["-R", "postgres:postgres", _folder], CommandTimeout);
        await AsPostgresAsync("initdb", "-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C");
        // Picked after initdb (seconds on a loaded machine) so nothing else has long to take the port; -t 180 as
        // pg_ctl's 60 s default can run out on a loaded two-core machine. fsync off: the cluster is thrown away.
        _port = FreePort();
        await AsPostgresAsync("pg_ctl", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "180",
            "-o", $"-p {_port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", "start");
        _started = true;
    }

    /// <summary>Creates an empty database and returns its connection string; each test gets its own.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public WorkbenchDbContext NewContext(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<WorkbenchDbContext>();
        WorkbenchDatabase.Configure(builder, DatabaseTarget.PostgreSql(connectionString));
        return new WorkbenchDbContext(builder.Options);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (_started)
                await AsPostgresAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop");
        }
        finally
        {
            if (_folder.Length > 0 && Directory.Exists(_folder))
                Directory.Delete(_folder, recursive: true);
        }
    }

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database};Pooling=true;Timeout=30";

    private static async Task EnsureInstalledAsync()
    {
        if (File.Exists(Path.Combine(BinDirectory, "initdb")))
            return;
        var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        try
        {
            await ExternalProcess.RunAsync("apt-get", ["install", "-y", "-q", "postgresql"], TimeSpan.FromMinutes(10), environment);
        }
        catch (InvalidOperationException)
        {
            // A fresh image may have no package lists yet.
            await ExternalProcess.RunAsync("apt-get", ["update", "-q"], TimeSpan.FromMinutes(10), environment);
            await ExternalProcess.RunAsync("apt-get", ["install", "-y", "-q", "postgresql"], TimeSpan.FromMinutes(10), environment);
        }
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
            throw new InvalidOperationException($"apt-get installed postgresql but {BinDirectory}/initdb is missing (not version 15?).");
    }

    private async Task AsPostgresAsync(string tool, params string[] arguments)
    {
        try
        {
            await ExternalProcess.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDirectory, tool), .. arguments], CommandTimeout);
        }
        catch (InvalidOperationException ex) when (File.Exists(LogFile))
        {
            throw new InvalidOperationException($"{ex.Message}\nServer log:\n{await File.ReadAllTextAsync(LogFile)}", ex);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
