namespace GptOssWorkbench.Web.Accounts;

using System.Security.Cryptography;
using System.Text;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Workspaces;
using Microsoft.EntityFrameworkCore;

/// <summary>A key as its owner sees it in the list (never the secret).</summary>
public sealed record ApiKeySummary(long Id, string Name, string Prefix, int? RateLimitPerMinute, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A key that authenticated a request, with its owner.</summary>
public sealed record AuthenticatedApiKey(long KeyId, int? RateLimitPerMinute, User User);

/// <summary>
/// API keys: "gow_" + 256 random bits, shown once. Only the SHA-256 of the whole key is stored (a fast hash is
/// enough for a high-entropy secret: there is nothing to guess), plus its first characters in clear to find the row
/// and tell keys apart.
/// </summary>
public sealed class ApiKeyService(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider clock)
{
    public const string KeyPrefix = "gow_";
    public const int PrefixLength = 12;
    public const int MinimumConfiguredKeyLength = 32;

    public async Task<(ApiKeySummary Key, string Secret)> CreateAsync(string userId, string name, int? rateLimitPerMinute = null,
        CancellationToken cancellationToken = default)
    {
        var secret = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = await StoreAsync(userId, name, secret, rateLimitPerMinute, cancellationToken);
        return (key, secret);
    }

    /// <summary>Stores a key given from outside (Auth:BootstrapApiKey); nothing happens when it is already stored.</summary>
    public async Task<bool> ProvisionAsync(string userId, string name, string secret, CancellationToken cancellationToken = default)
    {
        if (secret.Length < MinimumConfiguredKeyLength)
        {
            throw new InvalidOperationException(
                $"Auth:BootstrapApiKey is {secret.Length} characters long; use at least {MinimumConfiguredKeyLength} random characters.");
        }
        if (await FindAsync(secret, includeRevoked: true, cancellationToken) is not null)
        {
            return false;
        }
        await StoreAsync(userId, name, secret, null, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<ApiKeySummary>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.Where(k => k.UserId == userId).ToListAsync(cancellationToken);
        return keys.OrderByDescending(k => k.CreatedAt).Select(Summary).ToList();
    }

    /// <summary>Revokes one of the user's keys (admins may revoke anyone's). False when there is no such key.</summary>
    public async Task<bool> RevokeAsync(long keyId, string userId, bool isAdmin, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await db.ApiKeys
            .Where(k => k.Id == keyId && k.RevokedAt == null && (isAdmin || k.UserId == userId))
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), cancellationToken);
        return changed == 1;
    }

    /// <summary>The key's owner when the key exists and is not revoked; null otherwise.</summary>
    public async Task<AuthenticatedApiKey?> AuthenticateAsync(string secret, CancellationToken cancellationToken = default)
    {
        var key = await FindAsync(secret, includeRevoked: false, cancellationToken);
        if (key?.User is null)
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        // One write per key per minute at most: "last used" is for people, not an audit log.
        if (key.LastUsedAt is null || now - key.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
        }
        return new AuthenticatedApiKey(key.Id, key.RateLimitPerMinute, key.User);
    }

    private async Task<ApiKey?> FindAsync(string secret, bool includeRevoked, CancellationToken cancellationToken)
    {
        if (secret.Length < PrefixLength)
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var prefix = secret[..PrefixLength];
        var key = await db.ApiKeys.Include(k => k.User).AsNoTracking().SingleOrDefaultAsync(k => k.Prefix == prefix, cancellationToken);
        if (key is null || (!includeRevoked && key.RevokedAt is not null))
        {
            return null;
        }
        var presented = Encoding.ASCII.GetBytes(Hash(secret));
        return CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(key.KeyHash)) ? key : null;
    }

    private async Task<ApiKeySummary> StoreAsync(string userId, string name, string secret, int? rateLimitPerMinute, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = new ApiKey
        {
            UserId = userId,
            Name = string.IsNullOrWhiteSpace(name) ? "key" : name.Trim(),
            Prefix = secret[..PrefixLength],
            KeyHash = Hash(secret),
            RateLimitPerMinute = rateLimitPerMinute,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return Summary(key);
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiKeySummary Summary(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.RateLimitPerMinute, k.CreatedAt, k.LastUsedAt, k.RevokedAt);
}
