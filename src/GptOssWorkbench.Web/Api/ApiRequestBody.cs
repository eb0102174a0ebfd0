namespace GptOssWorkbench.Web.Api;

using System.Text.Json;

/// <summary>
/// The body checks every /v1 POST shares, in order: the size limit (413), UTF-8, JSON, then the endpoint's own parser,
/// whose <see cref="ApiRequestException"/> names the field at fault. Each failure is OpenAI's error JSON.
/// </summary>
public static class ApiRequestBody
{
    public static async Task<(T? Request, IResult? Error)> ParseAsync<T>(HttpRequest request, long limit, string sizeParam, Func<JsonElement, T> parse)
        where T : class
    {
        var (body, tooLarge) = await ReadAsync(request, limit);
        if (tooLarge)
        {
            return (null, OpenAiErrors.Result(413, $"The request body is larger than {limit} bytes (Api:MaxRequestBodyBytes).",
                "invalid_request_error", sizeParam, "request_too_large"));
        }
        // The JSON reader checks the structure but not the UTF-8 inside strings (reading such a string throws later).
        if (!System.Text.Unicode.Utf8.IsValid(body)) return (null, OpenAiErrors.BadRequest("The body is not valid UTF-8.", null));
        try
        {
            // Default reader limits: nesting deeper than 64 levels is a JsonException (400).
            using var document = JsonDocument.Parse(body);
            return (parse(document.RootElement), null);
        }
        catch (JsonException e)
        {
            return (null, OpenAiErrors.BadRequest($"The body is not valid JSON: {e.Message}", null));
        }
        catch (ApiRequestException e)
        {
            return (null, OpenAiErrors.BadRequest(e.Message, e.Param));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // A value of a JSON type the reader did not check for: still the client's request, not a server error.
            return (null, OpenAiErrors.BadRequest($"A field of the request has the wrong JSON type: {e.Message}", null));
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; a declared or actual larger body is refused without reading it all.</summary>
    private static async Task<(byte[] Body, bool TooLarge)> ReadAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit) return ([], true);
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) return ([], true);
        }
        return (buffer.ToArray(), false);
    }
}
