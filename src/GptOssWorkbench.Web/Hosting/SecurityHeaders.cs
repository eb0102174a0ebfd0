namespace GptOssWorkbench.Web.Hosting;

using Microsoft.AspNetCore.HttpOverrides;

/// <summary>
/// Browser-facing security headers on every response (pages, static files, /v1, /hangfire, errors), and HSTS in
/// Production once a request arrived over TLS (directly or, through a reverse proxy on this machine, per X-Forwarded-Proto).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts only from our own origin and never inline (Blazor and MudBlazor load as files, our code lives in
    /// wwwroot/js): an injected &lt;script&gt; or on* attribute does not run. style-src allows 'unsafe-inline' because
    /// MudBlazor writes style="..." attributes for layout and colours on its components, and Blazor's reconnect UI
    /// injects a style element; inline styles cannot run code. connect-src 'self' covers the Blazor circuit's web
    /// socket (same host: Chromium and Firefox match ws:/wss: to 'self'). frame-ancestors 'self' keeps framing as
    /// Blazor's default had it (that default is turned off in UiExtensions so this is the one policy).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; " +
        "frame-ancestors 'self'";

    public static void AddWorkbenchSecurityHeaders(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Only proxies on this machine are trusted (the defaults KnownProxies/KnownNetworks: loopback).
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        });
        builder.Services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(365));
    }

    public static void UseWorkbenchSecurityHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            // Sends Strict-Transport-Security only on https requests, never for localhost (so a developer's
            // browser is not pinned to https for it).
            app.UseHsts();
        }
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            // Links out of the workbench (answers may hold them) tell the other site our origin only, never a
            // page address with a batch id or a search in it.
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return next(context);
        });
    }
}
