namespace GptOssWorkbench.Web.Tests;

using Bunit;
using MudBlazor.Services;

/// <summary>Shared bUnit base: MudBlazor services, and JS calls answered with defaults unless a test sets them up.</summary>
public abstract class WorkbenchComponentTest : BunitContext, IAsyncLifetime
{
    protected WorkbenchComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // Some MudBlazor services are only IAsyncDisposable: the container must be disposed asynchronously.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
