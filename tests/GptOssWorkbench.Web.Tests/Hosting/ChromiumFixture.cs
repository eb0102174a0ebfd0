namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Collections.Concurrent;
using Microsoft.Playwright;

/// <summary>
/// Debian's chromium driven by Playwright. Playwright's own browser download needs a network we do not have,
/// so we point it at /usr/bin/chromium (tests/run installs it on a fresh machine).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    /// <summary>Pages opened since the last <see cref="AssertNoContentSecurityViolations"/>.</summary>
    private readonly ConcurrentQueue<IPage> _unchecked = new();

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Browser tests need Debian chromium at {ChromiumPath}: run `apt-get install -y chromium` (tests/run does this).");
        }
        // Expect(...) assertions wait 5 s by default, independent of a page's SetDefaultTimeout; on 2 shared cores a
        // Blazor round trip after a save has taken longer than that (ReviewQueueBrowserTests failed once at load 18).
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A fresh page in its own context (no shared cookies or localStorage between tests).</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 760 },
        });
        await context.AddInitScriptAsync(PageEvents.ViolationReporterScript);
        var page = await context.NewPageAsync();
        PageEvents.Watch(page);
        _unchecked.Enqueue(page);
        return page;
    }

    /// <summary>
    /// Fails when a page opened since the last call had something blocked by the workbench's Content-Security-Policy
    /// (an inline script, an on* attribute, a style or connection from elsewhere): the pages must work under it, not
    /// merely load. Every browser test class runs this after each test (<see cref="BrowserTest"/>).
    /// </summary>
    public void AssertNoContentSecurityViolations()
    {
        var violations = new List<string>();
        while (_unchecked.TryDequeue(out var page)) violations.AddRange(PageEvents.ContentSecurityViolations(page));
        Assert.True(violations.Count == 0, "The Content-Security-Policy blocked something:\n" + string.Join('\n', violations));
    }

    /// <summary>Where screenshots go: screenshots/ next to the test assembly.</summary>
    public static string ScreenshotPath(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
