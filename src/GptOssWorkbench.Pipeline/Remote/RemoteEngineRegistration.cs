namespace GptOssWorkbench.Pipeline.Remote;

/// <summary>What an admin types to register or edit a remote engine (the API key travels separately, see <see cref="ApiKeyChange"/>).</summary>
public sealed record RemoteEngineRegistration(string Name, string BaseUrl, string Model, string Kind, int MaxConcurrency)
{
    public const int MaxNameLength = 200;
    public const int MaxBaseUrlLength = 1000;
    public const int MaxModelLength = 300;
    public const int MaxApiKeyLength = 4096;
    public const int MaxConcurrencyLimit = 1024;

    /// <summary>The kinds an admin picks from, in the order the form lists them.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["vllm", "sglang", "ollama", "llama.cpp", "openai-compatible"];

    /// <summary>Trimmed, with the kind in its canonical spelling (valid input only; see <see cref="Problems"/>).</summary>
    public RemoteEngineRegistration Normalized() =>
        new(Name.Trim(), BaseUrl.Trim(), Model.Trim(), RemoteEngineKinds.TryName(Kind), MaxConcurrency);

    /// <summary>Every problem with the input, each as a sentence the form shows; empty when it can be stored.</summary>
    public IReadOnlyList<string> Problems(ApiKeyChange key)
    {
        var problems = new List<string>();
        var name = Name.Trim();
        if (name.Length == 0) problems.Add("Give the remote model a name (the name runs record, e.g. vllm/gpt-oss-120b).");
        else if (name.Length > MaxNameLength) problems.Add($"The name is {name.Length} characters long; at most {MaxNameLength}.");

        var url = BaseUrl.Trim();
        if (url.Length == 0) problems.Add("Give the server's base URL, e.g. http://gpu-1:8000/v1.");
        else if (url.Length > MaxBaseUrlLength) problems.Add($"The base URL is {url.Length} characters long; at most {MaxBaseUrlLength}.");
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
            problems.Add($"The base URL must be an absolute http:// or https:// address such as http://gpu-1:8000/v1 (got '{Shorten(url)}').");
        // Credentials in the address would be stored in plain text and shown on the page: they belong in the key field.
        else if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            problems.Add("The base URL must not contain a user name, password, query or fragment: put the API key in the API key field.");

        var model = Model.Trim();
        if (model.Length == 0) problems.Add("Give the served model id, as the server's GET /v1/models lists it (e.g. openai/gpt-oss-120b).");
        else if (model.Length > MaxModelLength) problems.Add($"The served model id is {model.Length} characters long; at most {MaxModelLength}.");

        try
        {
            RemoteEngineKinds.Parse(Kind);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }

        if (MaxConcurrency is < 1 or > MaxConcurrencyLimit)
            problems.Add($"Max concurrency must be between 1 and {MaxConcurrencyLimit} (got {MaxConcurrency}).");

        if (key is ApiKeyChange.Replace { ApiKey: var apiKey })
        {
            if (string.IsNullOrWhiteSpace(apiKey)) problems.Add("The new API key is empty: type it, or choose to keep or clear the key.");
            else if (apiKey.Length > MaxApiKeyLength) problems.Add($"The API key is {apiKey.Length} characters long; at most {MaxApiKeyLength}.");
            // It becomes an HTTP header: a line break would let it add headers of its own.
            else if (apiKey.Any(char.IsControl)) problems.Add("The API key contains a line break or another control character.");
        }
        return problems;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}

/// <summary>What to do with a registered engine's API key: the key itself is never shown again, only replaced or cleared.</summary>
public abstract record ApiKeyChange
{
    public static readonly ApiKeyChange Keep = new KeepKey();
    public static readonly ApiKeyChange Clear = new ClearKey();

    public static ApiKeyChange Set(string? apiKey) => string.IsNullOrEmpty(apiKey) ? Clear : new Replace(apiKey);

    public sealed record KeepKey : ApiKeyChange;

    public sealed record ClearKey : ApiKeyChange;

    public sealed record Replace(string ApiKey) : ApiKeyChange
    {
        // Records print their members: never let the key reach a log line or an exception message that way.
        public override string ToString() => "Replace { ApiKey = (hidden) }";
    }
}

/// <summary>Bad input for a registration: nothing was stored. <see cref="Exception.Message"/> joins the problems.</summary>
public sealed class RemoteEngineRegistrationException(IReadOnlyList<string> problems) : Exception(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
