namespace GptOssWorkbench.Pipeline.Models;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Remote;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// Which models exist: folders from configuration plus the <see cref="RegisteredModel"/> table (configured
/// folders are registered on start so runs and pages see one list). Configuration wins for a name listed in
/// both: a worker can point a registered name at its own local copy (e.g. /models mounted in a container).
/// Remote engines come from configuration (Models:Remote) and from the Models page (<see cref="RemoteEngineRegistry"/>),
/// read from the database on every call, so a registration shows up in every process without a restart.
/// </summary>
public sealed class ModelCatalog(
    IDbContextFactory<WorkbenchDbContext> dbFactory, IOptions<ModelsOptions> options, EngineHost engines, RemoteEngineRegistry remotes,
    TimeProvider clock, ILogger<ModelCatalog> logger)
{
    private readonly ModelsOptions options = options.Value;

    public async Task<IReadOnlyList<CatalogModel>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var registered = await db.RegisteredModels.AsNoTracking().OrderBy(m => m.Name).ToListAsync(cancellationToken);
        var loaded = engines.LoadedModelNames.ToHashSet();
        var configured = options.Folders.ToDictionary(f => f.Name, f => f.Path);
        var remote = options.Remote.Where(r => !string.IsNullOrWhiteSpace(r.Name)).ToList();
        // A configured remote wins over a registered one of the same name (registration refuses that name, but
        // configuration can gain it later), as configuration wins over the folder registry.
        var registeredRemote = (await remotes.ListAsync(cancellationToken)).Where(r => !remote.Any(c => c.Name == r.Name))
            .Select(r => Describe(new RemoteEngineOptions { Name = r.Name, BaseUrl = r.BaseUrl, Model = r.Model, Kind = r.Kind }, fromConfiguration: false));
        return registered.Where(m => !remote.Any(r => r.Name == m.Name)).Select(m => new CatalogModel(
                m.Name, configured.GetValueOrDefault(m.Name) ?? m.FolderPath, m.Layout, m.WeightsFingerprint, m.IsDemo,
                m.IsDemo ? DemoModel.Description : $"{m.Layout} checkpoint in {m.FolderPath}",
                m.Defaults, configured.ContainsKey(m.Name), loaded.Contains(m.Name)))
            .Concat(remote.Select(r => Describe(r, fromConfiguration: true)))
            .Concat(registeredRemote)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The remote server behind <paramref name="name"/>: configured (Models:Remote) first, else registered on the Models page
    /// (read now, key decrypted); null for a local model.
    /// </summary>
    /// <exception cref="RemoteEngineKeyException">A registered engine's key cannot be decrypted here.</exception>
    public async Task<RemoteEngineOptions?> FindRemoteAsync(string name, CancellationToken cancellationToken = default) =>
        options.Remote.FirstOrDefault(r => r.Name == name) ?? await remotes.FindAsync(name, cancellationToken);

    /// <summary>A remote model as the pickers and the Models page show it: its address without secrets, never its key.</summary>
    private static CatalogModel Describe(RemoteEngineOptions remote, bool fromConfiguration)
    {
        var kind = RemoteEngineKinds.TryName(remote.Kind);
        return new CatalogModel(remote.Name, remote.SafeBaseUrl, $"remote {kind}", null, IsDemo: false,
            $"{kind} server at {remote.SafeBaseUrl}, serving '{remote.Model}'", new ModelDefaults(), fromConfiguration, IsLoaded: false, RemoteKind: kind);
    }

    public async Task<CatalogModel?> FindAsync(string name, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(m => m.Name == name);

    /// <summary>The model new chats start with: the first real model by name, else the demo model.</summary>
    public async Task<CatalogModel?> DefaultModelAsync(CancellationToken cancellationToken = default)
    {
        var models = await ListAsync(cancellationToken);
        return models.FirstOrDefault(m => !m.IsDemo) ?? models.FirstOrDefault();
    }

    /// <summary>The folder to load <paramref name="name"/> from in this process; recreates the demo model if its folder is missing here.</summary>
    public async Task<string> ResolveFolderAsync(string name, CancellationToken cancellationToken = default)
    {
        var configured = options.Folders.FirstOrDefault(f => f.Name == name);
        if (configured is not null) return configured.Path;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var registered = await db.RegisteredModels.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, cancellationToken)
            ?? throw new UnknownModelException(name);
        if (registered.IsDemo && !Directory.Exists(registered.FolderPath))
            return DemoModel.EnsureWritten(DemoFolder());
        return registered.FolderPath;
    }

    /// <summary>Adds a model folder to the registry after checking that it is a loadable checkpoint.</summary>
    public Task<RegisteredModel> RegisterAsync(string name, string folder, ModelDefaults? defaults = null,
        string? createdByUserId = null, CancellationToken cancellationToken = default) =>
        RegisterAsync(name, folder, defaults, createdByUserId, isDemo: false, cancellationToken);

    private async Task<RegisteredModel> RegisterAsync(string name, string folder, ModelDefaults? defaults, string? createdByUserId, bool isDemo,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("The model needs a name.");
        var info = CheckpointLoader.Inspect(folder); // throws CheckpointException naming the problem
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.RegisteredModels.AnyAsync(m => m.Name == name, cancellationToken))
            throw new ArgumentException($"A model named '{name}' is already registered.");
        // Runs record the model by name: a folder must not take a remote engine's name.
        if (options.Remote.Any(r => r.Name == name.Trim()) || await db.RegisteredRemoteEngines.AnyAsync(e => e.Name == name.Trim(), cancellationToken))
            throw new ArgumentException($"A remote model named '{name.Trim()}' already exists; pick another name.");
        var model = new RegisteredModel
        {
            Name = name.Trim(), FolderPath = Path.GetFullPath(folder), Layout = info.Layout.Name(), WeightsFingerprint = info.Fingerprint,
            IsDemo = isDemo, Defaults = defaults ?? new ModelDefaults(), CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedByUserId = createdByUserId,
        };
        db.RegisteredModels.Add(model);
        await db.SaveChangesAsync(cancellationToken);
        return model;
    }

    /// <summary>Removes a model from the registry (its runs keep the name and fingerprint); unloads it here.</summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        if (options.Folders.Any(f => f.Name == name))
            throw new InvalidOperationException($"Model '{name}' comes from configuration (Models:Folders); remove it there.");
        if (options.Remote.Any(f => f.Name == name))
            throw new InvalidOperationException($"Model '{name}' comes from configuration (Models:Remote); remove it there.");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.RegisteredModels.Where(m => m.Name == name).ExecuteDeleteAsync(cancellationToken);
        engines.Unload(name);
    }

    /// <summary>
    /// On start: registers configured folders that are not in the table yet, and when no model exists at all,
    /// writes and registers the random-weight demo model. Safe when several processes start at once.
    /// </summary>
    public async Task EnsureModelsAsync(CancellationToken cancellationToken = default)
    {
        await RegisterConfiguredAsync(cancellationToken);
        await EnsureDemoModelAsync(cancellationToken);
    }

    /// <summary>Registers configured folders that are not in the table yet (a bad folder is logged, not thrown).</summary>
    public async Task RegisterConfiguredAsync(CancellationToken cancellationToken = default)
    {
        foreach (var folder in options.Folders)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (await db.RegisteredModels.AnyAsync(m => m.Name == folder.Name, cancellationToken)) continue;
            try
            {
                await RegisterAsync(folder.Name, folder.Path, cancellationToken: cancellationToken);
            }
            catch (Exception e) when (e is CheckpointException or IOException or ArgumentException or DbUpdateException)
            {
                logger.LogError("Configured model {Name} ({Path}) could not be registered: {Error}", folder.Name, folder.Path, e.Message);
            }
        }
    }

    /// <summary>When no model exists at all, writes and registers the random-weight demo model.</summary>
    public async Task EnsureDemoModelAsync(CancellationToken cancellationToken = default)
    {

        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!options.CreateDemoModel || await db.RegisteredModels.AnyAsync(cancellationToken)) return;
        }
        var demoFolder = DemoModel.EnsureWritten(DemoFolder());
        try
        {
            await RegisterAsync(DemoModel.Name, demoFolder, new ModelDefaults { MaxTokens = DemoModel.DefaultMaxTokens }, null, isDemo: true, cancellationToken);
            logger.LogWarning("No model configured: created {Name} in {Folder}. {Description}", DemoModel.Name, demoFolder, DemoModel.Description);
        }
        catch (Exception e) when (e is DbUpdateException or ArgumentException)
        {
            // Another process registered it at the same moment (unique name).
        }
    }

    private string DemoFolder() => DemoModel.FolderIn(options.DemoModelDirectory ?? Path.GetFullPath(Path.Combine("data", "models")));
}

public sealed class UnknownModelException(string name)
    : Exception($"Model '{name}' is not registered and not configured (Models:Folders).")
{
    public string ModelName { get; } = name;
}
