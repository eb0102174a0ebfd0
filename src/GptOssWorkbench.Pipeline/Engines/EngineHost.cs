namespace GptOssWorkbench.Pipeline.Engines;

using System.Collections.Concurrent;
using System.Reflection;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Weights.Checkpoints;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// The engines of this process: one <see cref="InferenceEngine"/> per model, loaded on first use and kept until
/// unloaded or the process stops. Concurrent jobs for the same model share its engine (that is what lets the
/// engine batch them); a model is loaded once even when many jobs ask for it at the same moment.
/// </summary>
public sealed class EngineHost(IOptions<EngineHostOptions> options, ILogger<EngineHost> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<LoadedEngine>>> engines = new();

    /// <summary>The engine assembly's version, recorded in every run manifest.</summary>
    public static string EngineVersion { get; } =
        typeof(InferenceEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(InferenceEngine).Assembly.GetName().Version?.ToString() ?? "unknown";

    public IEnumerable<string> LoadedModelNames =>
        engines.Where(e => e.Value.IsValueCreated && e.Value.Value.IsCompletedSuccessfully).Select(e => e.Key);

    /// <summary>The engine for <paramref name="modelName"/>, loading it from <paramref name="folder"/> if needed.</summary>
    public async Task<LoadedEngine> GetAsync(string modelName, string folder)
    {
        var lazy = engines.GetOrAdd(modelName, name => new Lazy<Task<LoadedEngine>>(() => Task.Run(() => Load(name, folder))));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            // A failed load is not cached: the next run tries again (the folder may have been fixed).
            engines.TryRemove(new KeyValuePair<string, Lazy<Task<LoadedEngine>>>(modelName, lazy));
            throw;
        }
    }

    public void Unload(string modelName)
    {
        if (engines.TryRemove(modelName, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            lazy.Value.Result.Dispose();
    }

    private LoadedEngine Load(string modelName, string folder)
    {
        var settings = options.Value;
        logger.LogInformation("Loading model {Model} from {Folder} on {Device}", modelName, folder, settings.Device);
        var checkpoint = CheckpointLoader.Open(folder);
        try
        {
            var engineOptions = new EngineOptions
            {
                Device = settings.Device,
                Dtype = EngineOptions.ParsePrecision(settings.Dtype),
                // Tiny models gain nothing from intra-op threads and libtorch's spinning threads slow a busy machine.
                Threads = settings.Threads > 0 ? settings.Threads : checkpoint.Info.Config.HiddenSize < 1024 ? 1 : 0,
            };
            var model = new GptOssModel(checkpoint.Weights, engineOptions);
            var tokenizer = HarmonyTokenizer.Shared;
            var engine = new InferenceEngine(model, tokens => tokenizer.Decode(tokens), settings.Serving());
            return new LoadedEngine(modelName, checkpoint.Info.Fingerprint, settings.Device, checkpoint.Weights, model, engine);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var name in engines.Keys.ToList()) Unload(name);
    }
}
