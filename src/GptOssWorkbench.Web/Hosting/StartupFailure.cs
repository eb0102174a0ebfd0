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
    public static bool ShouldReport(Exception error) =>
        Assembly.GetEntryAssembly() == typeof(StartupFailure).Assembly && error is not HostAbortedException;

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
