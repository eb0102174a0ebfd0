namespace GptOssWorkbench.Pipeline.Remote;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Pipeline.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

/// <summary>A registered remote engine as the Models page shows it: everything but the key, of which only whether it is set.</summary>
public sealed record RegisteredRemoteEngineView(
    string Name, string BaseUrl, string Model, string Kind, int MaxConcurrency, bool HasApiKey,
    DateTime CreatedAt, string? CreatedBy, DateTime UpdatedAt, string? UpdatedBy);

/// <summary>
/// Remote engines registered on the Models page (the <see cref="RegisteredRemoteEngine"/> table), next to the configured
/// Models:Remote ones. Every process reads the row when a run starts, so a registration or an edit takes effect for the
/// next run without a restart; the worker decrypts the key with the shared Data Protection key ring.
/// </summary>
public sealed class RemoteEngineRegistry(
    IDbContextFactory<WorkbenchDbContext> dbFactory, IOptions<ModelsOptions> options, RemoteEngineKeyProtector keys, TimeProvider clock)
{
    public async Task<IReadOnlyList<RegisteredRemoteEngineView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.RegisteredRemoteEngines.AsNoTracking().OrderBy(e => e.Name)
            .Select(e => new RegisteredRemoteEngineView(e.Name, e.BaseUrl, e.Model, e.Kind, e.MaxConcurrency, e.ProtectedApiKey != null,
                e.CreatedAt, e.CreatedBy == null ? null : e.CreatedBy.Email, e.UpdatedAt, e.UpdatedBy == null ? null : e.UpdatedBy.Email))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The engine as the client needs it, with its key decrypted; null when no engine of that name is registered.</summary>
    /// <exception cref="RemoteEngineKeyException">The stored key cannot be decrypted with this database's key ring.</exception>
    public async Task<RemoteEngineOptions?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.RegisteredRemoteEngines.AsNoTracking().FirstOrDefaultAsync(e => e.Name == name, cancellationToken);
        return row is null ? null : new RemoteEngineOptions
        {
            Name = row.Name, BaseUrl = row.BaseUrl, Model = row.Model, Kind = row.Kind, MaxConcurrency = row.MaxConcurrency,
            ApiKey = row.ProtectedApiKey is { } blob ? keys.Unprotect(row.Name, blob) : null,
        };
    }

    /// <exception cref="RemoteEngineRegistrationException">Bad input or a name already in use; nothing is stored.</exception>
    public async Task<RegisteredRemoteEngineView> RegisterAsync(RemoteEngineRegistration registration, string? apiKey, string? userId,
        CancellationToken cancellationToken = default)
    {
        var key = ApiKeyChange.Set(apiKey);
        Check(registration, key);
        var input = registration.Normalized();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await NameTakenAsync(db, input.Name, cancellationToken) is { } owner)
            throw new RemoteEngineRegistrationException([$"A model named '{input.Name}' already exists ({owner}); pick another name."]);
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new RegisteredRemoteEngine
        {
            Name = input.Name, BaseUrl = input.BaseUrl, Model = input.Model, Kind = input.Kind, MaxConcurrency = input.MaxConcurrency,
            ProtectedApiKey = key is ApiKeyChange.Replace replace ? keys.Protect(replace.ApiKey) : null,
            CreatedAt = now, CreatedByUserId = userId, UpdatedAt = now, UpdatedByUserId = userId,
        };
        db.RegisteredRemoteEngines.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index: another admin registered the same name a moment ago.
            throw new RemoteEngineRegistrationException([$"A model named '{input.Name}' already exists (registered a moment ago); pick another name."]);
        }
        return View(row);
    }

    /// <summary>Changes an engine's settings (its name stays: past runs carry it). Returns what changed, in words, without the key.</summary>
    /// <exception cref="RemoteEngineRegistrationException">Bad input or an unknown engine; nothing is stored.</exception>
    public async Task<IReadOnlyList<string>> UpdateAsync(string name, RemoteEngineRegistration registration, ApiKeyChange key, string? userId,
        CancellationToken cancellationToken = default)
    {
        Check(registration with { Name = name }, key);
        var input = registration.Normalized();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.RegisteredRemoteEngines.FirstOrDefaultAsync(e => e.Name == name, cancellationToken)
            ?? throw new RemoteEngineRegistrationException([$"There is no registered remote model '{name}' (removed meanwhile?)."]);
        var changes = new List<string>();
        void Change<T>(string what, T before, T after, Action<T> set)
        {
            if (EqualityComparer<T>.Default.Equals(before, after)) return;
            changes.Add($"{what} {before} -> {after}");
            set(after);
        }
        Change("base URL", row.BaseUrl, input.BaseUrl, v => row.BaseUrl = v);
        Change("served model", row.Model, input.Model, v => row.Model = v);
        Change("kind", row.Kind, input.Kind, v => row.Kind = v);
        Change("max concurrency", row.MaxConcurrency, input.MaxConcurrency, v => row.MaxConcurrency = v);
        switch (key)
        {
            case ApiKeyChange.Replace replace:
                row.ProtectedApiKey = keys.Protect(replace.ApiKey);
                changes.Add("API key replaced");
                break;
            case ApiKeyChange.ClearKey when row.ProtectedApiKey is not null:
                row.ProtectedApiKey = null;
                changes.Add("API key cleared");
                break;
        }
        if (changes.Count == 0) return changes;
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        row.UpdatedByUserId = userId;
        await db.SaveChangesAsync(cancellationToken);
        return changes;
    }

    /// <summary>Removes a registered engine. Its past runs stay (they record the model by name, not by a foreign key).</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.RegisteredRemoteEngines.Where(e => e.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>Where the name is already used (configured folders and remotes, registered folders and remotes), or null.</summary>
    internal async Task<string?> NameTakenAsync(WorkbenchDbContext db, string name, CancellationToken cancellationToken)
    {
        if (options.Value.Folders.Any(f => f.Name == name)) return "a configured model folder, Models:Folders";
        if (options.Value.Remote.Any(r => r.Name == name)) return "a configured remote engine, Models:Remote";
        if (await db.RegisteredModels.AnyAsync(m => m.Name == name, cancellationToken)) return "a registered model folder";
        if (await db.RegisteredRemoteEngines.AnyAsync(e => e.Name == name, cancellationToken)) return "a registered remote engine";
        return null;
    }

    private static void Check(RemoteEngineRegistration registration, ApiKeyChange key)
    {
        var problems = registration.Problems(key);
        if (problems.Count > 0) throw new RemoteEngineRegistrationException(problems);
    }

    private static RegisteredRemoteEngineView View(RegisteredRemoteEngine row) =>
        new(row.Name, row.BaseUrl, row.Model, row.Kind, row.MaxConcurrency, row.ProtectedApiKey is not null, row.CreatedAt, null, row.UpdatedAt, null);
}
