namespace GptOssWorkbench.Web.Tests;

using Bunit;
using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

/// <summary>Shared bUnit base: MudBlazor services, and JS calls answered with defaults unless a test sets them up.</summary>
public abstract class WorkbenchComponentTest : BunitContext, IAsyncLifetime
{
    protected WorkbenchComponentTest()
    {
        // bUnit's WaitFor* give up after 1 s by default: too short for a database query plus a render on a loaded
        // 2-core CI machine. A wait that succeeds returns as soon as it does, so a long limit costs nothing.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        // Pages that change things record them in the audit log; it writes through whatever database factory the
        // test registers (resolved only when a component asks for it).
        Services.AddSingleton(TimeProvider.System);
        Services.AddHttpContextAccessor();
        Services.AddSingleton<GptOssWorkbench.Web.Audit.AuditLog>();
        Services.AddScoped<GptOssWorkbench.Web.Audit.CurrentAudit>();
        // Every view of reasoning asks the per-role policy (reading the same database factory, when a role is signed in).
        Services.AddScoped<GptOssWorkbench.Web.Accounts.ReasoningVisibilityPolicy>();
        // The layout shows the signed-in user; tests start anonymous and may call Authorization.SetAuthorized(...).
        Authorization = AddAuthorization();
    }

    protected BunitAuthorizationContext Authorization { get; }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // Some MudBlazor services are only IAsyncDisposable: the container must be disposed asynchronously.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
