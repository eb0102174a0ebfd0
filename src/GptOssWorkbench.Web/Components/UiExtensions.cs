namespace GptOssWorkbench.Web.Components;

using GptOssWorkbench.Web.Accounts;
using MudBlazor.Services;

public static class UiExtensions
{
    public static void AddWorkbenchUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped(sp => new GptOssWorkbench.Web.Review.CurrentReviewer(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<GptOssWorkbench.Data.WorkbenchDbContext>>(),
            sp.GetService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>(),
            sp.GetService<Microsoft.AspNetCore.Authorization.IAuthorizationService>()));
    }

    public static void UseWorkbenchUi(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        // Our own files live in the repository's top-level wwwroot/ (the web root), outside the project, so the
        // build-time static asset manifest does not know them: plain static files serve them, before routing.
        // Framework and MudBlazor files come from the manifest (MapStaticAssets).
        app.UseStaticFiles();
        app.UseRouting();
        app.UseWorkbenchAccounts();
        app.UseAntiforgery();
        // Framework and MudBlazor files are public: the sign-in page needs them before anyone is signed in.
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }
}
