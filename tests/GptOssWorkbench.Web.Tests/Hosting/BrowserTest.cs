namespace GptOssWorkbench.Web.Tests.Hosting;

/// <summary>
/// Base of every browser test class: after each test, nothing on its pages may have been blocked by the
/// Content-Security-Policy (xunit runs DisposeAsync after each test; an exception there fails that test).
/// </summary>
public abstract class BrowserTest : IAsyncLifetime
{
    /// <summary>The class's browser (its constructor parameter: xunit injects the collection's fixture).</summary>
    protected abstract ChromiumFixture Browser { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Browser.AssertNoContentSecurityViolations();
        return Task.CompletedTask;
    }
}
