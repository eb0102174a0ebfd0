namespace GptOssWorkbench.Web.Components;

using GptOssWorkbench.Web.Accounts;
using MudBlazor.Services;

public static class UiExtensions
{
    public static void AddWorkbenchUi(this WebApplicationBuilder builder)
    {
        // Framework and MudBlazor files (_content/..., _framework/...) are served from their NuGet and build folders
        // through the static web assets manifest of the build output. ASP.NET applies it only in Development, so
        // `dotnet run` in Production answered 500 for them; a published app has no such manifest (its files are
        // copied into wwwroot) and this does nothing there.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<GptOssWorkbench.Web.Models.RemoteEngineAdministration>();
        builder.Services.AddScoped(sp => new GptOssWorkbench.Web.Review.CurrentReviewer(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<GptOssWorkbench.Data.WorkbenchDbContext>>(),
            sp.GetService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>(),
            sp.GetService<Microsoft.AspNetCore.Authorization.IAuthorizationService>()));
        builder.Services.AddScoped<GptOssWorkbench.Web.Review.RunFlags>();
    }

    public static void UseWorkbenchUi(this WebApplication app)
    {
        // Our own files live in the repository's top-level wwwroot/ (the web root), outside the project, so the
        // build-time static asset manifest does not know them: plain static files serve them, before routing.
        // Framework and MudBlazor files come from the manifest (MapStaticAssets).
        app.UseStaticFiles();
        app.UseRouting();
        app.UseWorkbenchAccounts();
        app.UseAntiforgery();
        // Framework and MudBlazor files are public: the sign-in page needs them before anyone is signed in.
        app.MapStaticAssets().AllowAnonymous();
        // frame-ancestors is part of the workbench's one Content-Security-Policy (Hosting/SecurityHeaders).
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
    }
}
