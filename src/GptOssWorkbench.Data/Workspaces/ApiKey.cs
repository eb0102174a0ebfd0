namespace GptOssWorkbench.Data.Workspaces;

/// <summary>
/// A key for the OpenAI-compatible API. Only a hash is stored (the key is shown once at creation); the
/// prefix is kept in clear so users can tell their keys apart and the server can find the row by it.
/// </summary>
public class ApiKey
{
    public long Id { get; set; }
    public string UserId { get; set; } = "";
    public User? User { get; set; }
    public string Name { get; set; } = "";

    /// <summary>The first characters of the key, e.g. "gow_3fA9", unique.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Hex SHA-256 of the whole key.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>Requests per minute; null means the server default.</summary>
    public int? RateLimitPerMinute { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
