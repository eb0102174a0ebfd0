namespace GptOssWorkbench.Web.Api;

using System.Text.Json.Serialization;

/// <summary>OpenAI's error body: {"error": {"message", "type", "param", "code"}}. Clients parse exactly this shape.</summary>
public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

public sealed record OpenAiErrorBody([property: JsonPropertyName("error")] OpenAiError Error);

public static class OpenAiErrors
{
    public static IResult Result(int status, string message, string type, string? param = null, string? code = null) =>
        Results.Json(new OpenAiErrorBody(new OpenAiError(message, type, param, code)), statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? param = null, string? code = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new OpenAiErrorBody(new OpenAiError(message, type, param, code)));
    }

    public static IResult BadRequest(string message, string? param) => Result(400, message, "invalid_request_error", param);

    public static IResult ModelNotFound(string model) =>
        Result(404, $"The model '{model}' does not exist or is not loaded. GET /v1/models lists the models you can use.",
            "invalid_request_error", "model", "model_not_found");
}
