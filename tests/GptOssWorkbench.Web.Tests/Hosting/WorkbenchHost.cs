namespace GptOssWorkbench.Web.Tests.Hosting;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// The real workbench on a real Kestrel port (so a browser can reach it), with its own temporary data
/// folder. Extra settings override configuration, e.g. to point the data folder at something broken.
/// </summary>
public sealed class WorkbenchHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private WorkbenchHost(WebApplicationFactory<Program> factory, string tempDirectory, Uri baseAddress, CapturedLogs logs)
    {
        _factory = factory;
        Logs = logs;
        TempDirectory = tempDirectory;
        BaseAddress = baseAddress;
    }

    /// <summary>Scratch folder owned by this host; deleted on dispose.</summary>
    public string TempDirectory { get; }

    /// <summary>The data folder the host was given (inside <see cref="TempDirectory"/> unless overridden).</summary>
    public string DataDirectory => Path.Combine(TempDirectory, "data");

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Every log line the host wrote (at the configured levels), for tests about what is logged.</summary>
    public CapturedLogs Logs { get; }

    /// <summary>Starts a host. <paramref name="prepare"/> may create files in the temp folder first and return settings.</summary>
    public static WorkbenchHost Start(Func<string, IDictionary<string, string?>>? prepare = null)
    {
        var tempDirectory = Directory.CreateTempSubdirectory("workbench-test-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Workbench:DataDirectory"] = Path.Combine(tempDirectory, "data"),
            // Keep test output readable; warnings and errors still show.
            ["Logging:LogLevel:Default"] = "Warning",
            // Writing the random-weight demo model costs seconds of CPU per host; tests that need a model configure
            // one (Jobs/TinyModel) or turn this back on (Jobs/ModelCatalogTests).
            ["Models:CreateDemoModel"] = "false",
        };
        foreach (var (key, value) in prepare?.Invoke(tempDirectory) ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var logs = new CapturedLogs();
        var factory = new SettingsFactory(settings, logs);
        try
        {
            factory.UseKestrel(0);
            factory.StartServer();
            var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new WorkbenchHost(factory, tempDirectory, new Uri(address), logs);
        }
        catch
        {
            factory.Dispose();
            DeleteQuietly(tempDirectory);
            throw;
        }
    }

    // UseKestrel must be called on the factory that builds the host (WithWebHostBuilder's copy ignores it).
    private sealed class SettingsFactory(IDictionary<string, string?> settings, CapturedLogs logs) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        DeleteQuietly(TempDirectory);
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection: the OS temp cleaner gets it later.
        }
    }
}
