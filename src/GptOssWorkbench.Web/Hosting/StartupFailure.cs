namespace GptOssWorkbench.Web.Hosting;

using System.Reflection;
using Microsoft.Extensions.Options;

/// <summary>
/// A workbench that cannot start (a too-short Auth:BootstrapApiKey, an unknown Database:Provider, a failed options
/// validation) says so in one line naming the setting and exits with code 1, instead of an unhandled-exception
/// stack trace. The messages name their setting (they are written that way where they are thrown).
/// </summary>
public static class StartupFailure
{
    /// <summary>
    /// Only when this program is the process: a host that embeds it (the test factory, which also stops it with
    /// HostAbortedException once it has the host) gets the exception itself.
    /// </summary>
    public static bool ShouldReport(Exception error) => ReportsInThisProcess && error is not HostAbortedException;

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private static volatile bool _started;

    /// <summary>
    /// The generic host logs a failed start ("Hosting failed to start", e.g. a port in use or a failed options
    /// validation) with the whole stack trace before it throws; until the app has started, that is the failure
    /// <see cref="Report"/> prints in one line, so the host's own error is not shown then. After the start every
    /// host message shows as configured.
    /// </summary>
    public static void AddWorkbenchStartupFailureReport(this WebApplicationBuilder builder)
    {
        if (!ReportsInThisProcess) return;
        builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Warning && (_started || level < LogLevel.Error));
        builder.Services.AddHostedService<StartedMarker>();
    }

    private static bool ReportsInThisProcess => Assembly.GetEntryAssembly() == typeof(StartupFailure).Assembly;

    private sealed class StartedMarker(IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => _started = true);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public static int Report(Exception error)
    {
        Console.Error.WriteLine($"The workbench cannot start: {Describe(error)}");
        return 1;
    }

    public static string Describe(Exception error)
    {
        var message = error switch
        {
            OptionsValidationException validation => string.Join(" ", validation.Failures),
            AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0]),
            // "Failed to convert configuration value 'x' at 'Database:Provider' to type ..." wraps the reason.
            _ when error.InnerException is { } inner && !error.Message.Contains(inner.Message, StringComparison.Ordinal) =>
                $"{error.Message} ({inner.Message})",
            _ => error.Message,
        };
        return message.ReplaceLineEndings(" ");
    }
}
