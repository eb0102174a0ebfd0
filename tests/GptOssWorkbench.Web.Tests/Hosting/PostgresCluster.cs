namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

/// <summary>
/// A private PostgreSQL 15 cluster (Debian's binaries) in a temp folder on a free port, for the distributed
/// mode. PostgreSQL refuses to run as root, so when the tests run as root the server runs as "postgres".
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private string _directory = "";

    public string ConnectionString { get; private set; } = "";

    /// <summary>Points host <paramref name="settings"/> at this server (the app's PostgreSQL mode).</summary>
    public void Configure(Dictionary<string, string?> settings)
    {
        settings["Database:Provider"] = "PostgreSQL";
        settings["Database:ConnectionString"] = ConnectionString;
    }

    private string DataDirectory => Path.Combine(_directory, "pgdata");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL tests need PostgreSQL 15 in {BinDirectory}: apt-get install -y postgresql-15.");
        }
        _directory = Directory.CreateTempSubdirectory("workbench-pg-").FullName;
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "-R", "postgres:postgres", _directory);
        }
        await RunAsPostgresAsync(Path.Combine(BinDirectory, "initdb"), "-D", DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync");
        var log = Path.Combine(_directory, "server.log");
        // The free port is only free until someone binds it (another host's Kestrel on port 0, another cluster), so it
        // is picked right before the start, and a start that lost it to someone else tries another one.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            try
            {
                // -t 180: a loaded two-core machine can be slow; pg_ctl waits only 60 s by default.
                await RunAsPostgresAsync(Path.Combine(BinDirectory, "pg_ctl"), "-D", DataDirectory, "-l", log, "-w", "-t", "180",
                    "-o", $"-p {port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
                ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && File.Exists(log) && File.ReadAllText(log).Contains("Address already in use"))
            {
            }
            catch (InvalidOperationException e) when (File.Exists(log))
            {
                throw new InvalidOperationException($"{e.Message}\nPostgreSQL server log:\n{File.ReadAllText(log)}", e);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Directory.Exists(DataDirectory))
        {
            await RunAsPostgresAsync(Path.Combine(BinDirectory, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsPostgresAsync(string program, params string[] args) =>
        Environment.UserName == "root" ? RunAsync("runuser", ["-u", "postgres", "--", program, .. args]) : RunAsync(program, args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }
}
