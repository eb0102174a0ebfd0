namespace GptOssWorkbench.Web.Tests;

using Bunit;
using Bunit.TestDoubles;
using MudBlazor.Services;

/// <summary>Shared bUnit base: MudBlazor services, and JS calls answered with defaults unless a test sets them up.</summary>
public abstract class WorkbenchComponentTest : BunitContext, IAsyncLifetime
{
    protected WorkbenchComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        // The layout shows the signed-in user; tests start anonymous and may call Authorization.SetAuthorized(...).
        Authorization = AddAuthorization();
    }

    protected BunitAuthorizationContext Authorization { get; }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // Some MudBlazor services are only IAsyncDisposable: the container must be disposed asynchronously.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
