namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Net;
using System.Text;
using System.Text.Json;
using GptOssWorkbench.Web.Tests.Api;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Hostile bodies (invalid UTF-8, wrong JSON types, deep nesting, absurd sizes and counts) sent to every endpoint of
/// the app that takes a body, found from its EndpointDataSource so a new endpoint cannot be forgotten: never a 500.
/// </summary>
[Collection(WorkbenchCollection.Name)]
public sealed class InputHardeningTests(WorkbenchHostFixture fixture)
{
    private const string Completions = "/v1/chat/completions";

    private static string Message(string content) => $$"""{"role": "user", "content": {{content}}}""";

    private static string Request(string messages, string extra = "") =>
        $$"""{"model": "tiny-random-demo", "messages": [{{messages}}]{{extra}}}""";

    /// <summary>Each class of bad input, as (name, content type, body).</summary>
    public static IEnumerable<(string Name, string ContentType, byte[] Body)> BadBodies()
    {
        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        const string json = "application/json";
        // Invalid UTF-8: a lone continuation byte and an overlong encoding inside a string, and a raw 0xFF outside one.
        yield return ("invalid UTF-8 in a string", json, [.. Utf8(Request(Message("\"a"))[..^3]), 0x80, 0xC0, 0xAF, .. Utf8("\"}]}")]);
        yield return ("invalid UTF-8 outside strings", json, [0xFF, 0xFE, .. Utf8(Request(Message("\"hi\"")))]);
        foreach (var (field, value) in new[]
        {
            ("model", "5"), ("messages", "{\"role\": \"user\"}"), ("temperature", "\"hot\""), ("stream", "\"yes\""), ("max_tokens", "\"many\""),
            ("n", "1.5"), ("seed", "1e400"), ("stop", "7"), ("logprobs", "1"), ("top_logprobs", "[]"), ("tools", "{}"),
            ("tools", "[{\"type\": 7}]"), ("tools", "[{\"type\": \"function\", \"function\": {\"name\": [\"f\"]}}]"), ("tool_choice", "[]"),
            ("reasoning_effort", "{}"),
        })
        {
            var body = field is "model" or "messages"
                ? Request(Message("\"hi\"")).Replace(field == "model" ? "\"tiny-random-demo\"" : $"[{Message("\"hi\"")}]", value)
                : Request(Message("\"hi\""), $", \"{field}\": {value}");
            yield return ($"wrong type: {field} = {value}", json, Utf8(body));
        }
        yield return ("wrong type: content = 5", json, Utf8(Request(Message("5"))));
        yield return ("wrong type: content part type = 5", json, Utf8(Request(Message("[{\"type\": 5, \"text\": \"hi\"}]"))));
        yield return ("wrong type: role = []", json, Utf8(Request("{\"role\": [], \"content\": \"hi\"}")));
        yield return ("wrong type: tool_calls = 3", json, Utf8(Request(Message("\"hi\"") + ", {\"role\": \"assistant\", \"tool_calls\": 3}")));
        yield return ("wrong type: body is an array", json, Utf8("[1, 2, 3]"));
        yield return ("not JSON", json, Utf8("model=tiny&messages=hi"));
        yield return ("deeply nested JSON", json, Utf8(new string('[', 100_000) + new string(']', 100_000)));
        yield return ("deeply nested JSON in a field", json,
            Utf8(Request(Message("\"hi\""), ", \"metadata\": " + string.Concat(Enumerable.Repeat("{\"a\": ", 5_000)) + "1" + new string('}', 5_000))));
        yield return ("absurd size", json, Utf8(Request(Message($"\"{new string('x', 6 * 1024 * 1024)}\""))));
        yield return ("absurd message count", json, Utf8(Request(string.Join(", ", Enumerable.Repeat(Message("\"a\""), 100_000)))));
        yield return ("absurd tool count", json, Utf8(Request(Message("\"hi\""), ", \"tools\": [" + string.Join(", ",
            Enumerable.Range(0, 20_000).Select(i => $"{{\"type\": \"function\", \"function\": {{\"name\": \"f{i}\"}}}}")) + "]")));
        yield return ("absurd stop count", json, Utf8(Request(Message("\"hi\""), ", \"stop\": [" + string.Join(", ", Enumerable.Repeat("\"s\"", 100_000)) + "]")));
        const string form = "application/x-www-form-urlencoded";
        yield return ("form with invalid UTF-8", form, [.. Utf8("Input.Email="), 0xFF, 0xC0, .. Utf8("&Input.Password=%FF%FE")]);
        yield return ("form with an absurd field", form, Utf8("Input.Email=" + new string('a', 6 * 1024 * 1024)));
        yield return ("form with absurdly many fields", form, Utf8(string.Join("&", Enumerable.Range(0, 5_000).Select(i => $"f{i}=x"))));
        yield return ("form that is JSON", form, Utf8("{\"Input.Email\": [1]}"));
    }

    /// <summary>Every endpoint that accepts a POST (route parameters filled in), from the app's own endpoint list.</summary>
    private List<string> BodyEndpoints()
    {
        var endpoints = fixture.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods
                || methods.HttpMethods.Any(m => m is "POST" or "PUT" or "PATCH"))
            .Select(e => "/" + string.Join('/', e.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart { IsCatchAll: true } => "anything",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart => "1",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                _ => "",
            })))))
            .Distinct().Order().ToList();
        return endpoints;
    }

    [Fact]
    public async Task Every_class_of_bad_input_sent_to_every_endpoint_is_refused_with_a_clear_4xx_and_never_a_500()
    {
        var endpoints = BodyEndpoints();
        Assert.Contains(Completions, endpoints);
        Assert.Contains("/account/signin", endpoints);
        Assert.Contains("/account/signout", endpoints);
        Assert.Contains("/hangfire/anything", endpoints);
        Assert.Contains("/v1/anything", endpoints);
        // Signed in as an admin on both doors: the cookie for pages and /hangfire, an API key for /v1.
        var (client, admin) = await fixture.Host.SignedInClientAsync("admin");
        var (key, _) = await fixture.Host.CreateKeyAsync("admin");
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var problems = new List<string>();

        foreach (var endpoint in endpoints)
        {
            foreach (var (name, contentType, body) in BadBodies())
            {
                var content = new ByteArrayContent(body);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
                using var response = await client.PostAsync(endpoint, content);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status >= 500)
                    problems.Add($"{endpoint} {name}: {status} {text[..Math.Min(200, text.Length)]}");
                else if (endpoint == Completions && contentType == "application/json")
                    Expect400Or413(problems, endpoint, name, status, text);
                else if (endpoint.StartsWith("/v1/", StringComparison.Ordinal) && status >= 400 && !IsOpenAiError(text))
                    problems.Add($"{endpoint} {name}: {status} without OpenAI's error JSON: {text[..Math.Min(200, text.Length)]}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        // Nothing of it was stored as a run.
        await using var db = await fixture.Host.Services
            .GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<GptOssWorkbench.Data.WorkbenchDbContext>>().CreateDbContextAsync();
        Assert.DoesNotContain(db.Runs, r => r.CreatedByUserId == admin.Id);
    }

    private static void Expect400Or413(List<string> problems, string endpoint, string name, int status, string text)
    {
        if (status is not (400 or 413))
            problems.Add($"{endpoint} {name}: {status}, expected 400 or 413: {text[..Math.Min(200, text.Length)]}");
        else if (!IsOpenAiError(text))
            problems.Add($"{endpoint} {name}: {status} without OpenAI's error JSON: {text[..Math.Min(200, text.Length)]}");
    }

    private static bool IsOpenAiError(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("message", out var message) && message.GetString() is { Length: > 10 };
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
