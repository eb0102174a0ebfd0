namespace GptOssWorkbench.Web.Hosting;

using System.Diagnostics;
using System.Net;
using GptOssWorkbench.Web.Api;
using Microsoft.AspNetCore.Diagnostics;

/// <summary>
/// Outside Development an unhandled error is logged once with a correlation id (the request's trace id, which is also
/// what ASP.NET's own log scopes and traces carry) and answered with only that id: a short HTML page, or OpenAI's
/// error JSON on /v1. Nothing of the request (headers, the Authorization key) or of the exception goes to the client.
/// </summary>
public static class UnhandledErrors
{
    public static void UseWorkbenchErrorHandling(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            return; // WebApplication shows the developer exception page there.
        }
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteAsync,
            // Our handler logs the error with its correlation id; the middleware's own log line would repeat it without.
            SuppressDiagnosticsCallback = _ => true,
        });
    }

    public static string CorrelationId(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    private static async Task WriteAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var id = CorrelationId(context);
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UnhandledErrors).FullName!)
            .LogError(error, "Unhandled error {CorrelationId} on {Method} {Path}", id, context.Request.Method, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        if (context.Request.Path.StartsWithSegments("/v1"))
        {
            await OpenAiErrors.WriteAsync(context, 500, $"The server had an error while processing your request (correlation id {id}).",
                "server_error", code: "internal_error");
            return;
        }
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Error - GptOssWorkbench</title></head>
            <body><h1>Something went wrong</h1>
            <p>The workbench could not finish this request. It logged the error; give an administrator this
            correlation id: <code data-testid="correlation-id">{WebUtility.HtmlEncode(id)}</code></p>
            <p><a href="/">Back to the workbench</a></p></body></html>
            """);
    }
}
