namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Playwright;

/// <summary>
/// What the browser saw on one page: its navigations, console errors, script errors, closed web sockets (the Blazor
/// circuit) and crashes. A browser step that fails on CI then says what the page and the host were doing, not only
/// "Timeout 30000ms exceeded" (a CI page shows just the end of the log, so the host's own log lines are out of sight).
/// </summary>
public sealed class PageEvents
{
    private static readonly ConditionalWeakTable<IPage, PageEvents> Pages = new();

    private readonly ConcurrentQueue<string> _events = new();

    private readonly ConcurrentQueue<string> _contentSecurityViolations = new();

    /// <summary>
    /// Reports every securitypolicyviolation event of the page as a console error Watch recognises. Playwright injects
    /// it outside the page's Content-Security-Policy (which forbids inline script), in every frame, before any page script.
    /// </summary>
    public const string ViolationReporterScript = """
        document.addEventListener('securitypolicyviolation', e =>
          console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || document.location.href}:${e.lineNumber}`));
        """;

    /// <summary>What the page's Content-Security-Policy blocked: the event above and Chromium's own "Refused to ..." console errors.</summary>
    public static IReadOnlyList<string> ContentSecurityViolations(IPage page) =>
        Pages.TryGetValue(page, out var events) ? events._contentSecurityViolations.ToArray() : [];

    private void Add(string text) => _events.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {text}");

    /// <summary>Starts recording the page's events (ChromiumFixture does this for every page it opens).</summary>
    public static void Watch(IPage page)
    {
        var events = Pages.GetValue(page, _ => new PageEvents());
        page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null) events.Add($"navigated to {frame.Url}");
        };
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") events.Add($"console {message.Type}: {message.Text}");
            if (message.Text.StartsWith("CSP violation:", StringComparison.Ordinal) || message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                events._contentSecurityViolations.Enqueue($"{page.Url}: {message.Text}");
        };
        page.PageError += (_, error) => events.Add($"script error: {error}");
        page.Crash += (_, _) => events.Add("the page crashed");
        page.WebSocket += (_, socket) =>
        {
            events.Add($"web socket opened: {socket.Url}");
            socket.Close += (_, _) => events.Add($"web socket closed: {socket.Url}");
            socket.SocketError += (_, error) => events.Add($"web socket error: {error}");
        };
    }

    /// <summary>
    /// Runs one step of a browser test; if it fails, the error says where the page is, what it shows (Blazor's error
    /// bar, the reconnect dialog, alerts) and the recent browser events and host warnings.
    /// </summary>
    public static async Task ExplainFailureAsync(IPage page, WorkbenchHost host, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            throw new BrowserStepException($"{e.Message.Split('\n')[0]}\n{await DescribeAsync(page, host)}", e);
        }
    }

    private static async Task<string> DescribeAsync(IPage page, WorkbenchHost host)
    {
        var lines = new List<string> { $"page: {page.Url}" };
        try
        {
            var shown = await page.EvaluateAsync<string>("""
                () => {
                  const visible = el => el && getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().height > 0;
                  const parts = [];
                  if (visible(document.getElementById('blazor-error-ui'))) parts.push('Blazor error bar is shown');
                  const reconnect = document.getElementById('components-reconnect-modal');
                  if (reconnect && (reconnect.open || visible(reconnect))) parts.push('Blazor reconnect dialog is shown: ' + reconnect.className);
                  for (const alert of document.querySelectorAll('.mud-alert')) parts.push('alert: ' + alert.innerText.trim());
                  return parts.join('\n');
                }
                """);
            if (!string.IsNullOrEmpty(shown)) lines.AddRange(shown.Split('\n'));
        }
        catch (PlaywrightException e)
        {
            lines.Add($"(could not read the page: {e.Message.Split('\n')[0]})");
        }
        if (Pages.TryGetValue(page, out var events))
        {
            lines.Add("browser events (last 15):");
            lines.AddRange(events._events.TakeLast(15).Select(l => "  " + l));
        }
        lines.Add("host warnings and errors (last 10):");
        var problems = host.Logs.Lines.Where(l => l.Contains(" Warning ") || l.Contains(" Error ") || l.Contains(" Critical "));
        lines.AddRange(problems.TakeLast(10).Select(l => "  " + l.Split('\n')[0] + (l.Contains('\n') ? " | " + string.Join(" | ", l.Split('\n').Skip(1).Take(3).Select(s => s.Trim())) : "")));
        return string.Join('\n', lines);
    }
}

/// <summary>A failed browser step, with what the page and the host were doing (see <see cref="PageEvents"/>).</summary>
public sealed class BrowserStepException(string message, Exception inner) : Exception(message, inner);

public static class PageEventsExtensions
{
    /// <summary><c>WaitForURLAsync</c> whose timeout says what the page and the host were doing.</summary>
    public static Task WaitForUrlOrExplainAsync(this IPage page, string glob, WorkbenchHost host) =>
        PageEvents.ExplainFailureAsync(page, host, () => page.WaitForURLAsync(glob));
}
