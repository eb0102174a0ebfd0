namespace GptOssWorkbench.Web.Hosting;

using GptOssWorkbench.Web.Api;
using Microsoft.AspNetCore.Antiforgery;

/// <summary>
/// A request the framework cannot read (a body over Kestrel's limit, a form over the form limits, a form whose
/// antiforgery token cannot be read because of that) is the client's fault: 400/413 with a clear message (OpenAI's
/// error JSON on /v1), not an unhandled 500. Endpoints that read bodies themselves check their own limits first.
/// </summary>
public static class BadRequestErrors
{
    public static void UseWorkbenchBadRequestErrors(this WebApplication app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception error) when (Refusal(error) is { } refusal && !context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BadRequestErrors).FullName!)
                .LogInformation("Refused {Method} {Path} with {Status}: {Reason}", context.Request.Method, context.Request.Path, refusal.Status, refusal.Message);
            if (context.Request.Path.StartsWithSegments("/v1"))
            {
                await OpenAiErrors.WriteAsync(context, refusal.Status, refusal.Message, "invalid_request_error",
                    code: refusal.Status == 413 ? "request_too_large" : null);
                return;
            }
            context.Response.StatusCode = refusal.Status;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(refusal.Message);
        }
    });

    private sealed record RefusalReason(int Status, string Message);

    private static RefusalReason? Refusal(Exception error) => error switch
    {
        BadHttpRequestException bad => new(bad.StatusCode, $"The request could not be read: {bad.Message}"),
        // Form limits (value count, key and value length): FormOptions' messages name the limit.
        InvalidDataException data when data.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) =>
            new(StatusCodes.Status413PayloadTooLarge, $"The form is too large: {data.Message}"),
        AntiforgeryValidationException { InnerException: { } inner } when Refusal(inner) is { } cause => cause,
        AntiforgeryValidationException => new(StatusCodes.Status400BadRequest,
            "The form's antiforgery token is missing or invalid; reload the page and try again."),
        _ => null,
    };
}
