namespace GptOssWorkbench.Pipeline.Hosting;

using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Models;
using Microsoft.Extensions.Configuration;

/// <summary>
/// How many run jobs a process executes at once. A run job holds its Hangfire worker while its sequence decodes (that
/// is what keeps a killed process's runs in the queue until another process takes them), so the worker count bounds
/// the batch the engine can form: with 8 workers the engine never saw more than 8 sequences, however many runs waited.
/// The count therefore follows the engine: the built-in engine's batch limit (Engine:MaxRunning) plus the requests
/// each configured remote engine may have in flight (its MaxConcurrency). Jobs:WorkerCount still overrides it, for
/// tests and for a process that must take fewer jobs than it could run.
/// </summary>
public static class JobWorkerCount
{
    public static int For(IConfiguration configuration)
    {
        var explicitCount = configuration["Jobs:WorkerCount"];
        if (!string.IsNullOrWhiteSpace(explicitCount))
        {
            if (!int.TryParse(explicitCount, out var count) || count < 1)
                throw new ArgumentException($"Jobs:WorkerCount must be a whole number of at least 1 (got '{explicitCount}'); leave it unset to follow Engine:MaxRunning.");
            return count;
        }
        var engine = configuration.GetSection(EngineHostOptions.Section).Get<EngineHostOptions>() ?? new EngineHostOptions();
        engine.Validate();
        var models = configuration.GetSection(ModelsOptions.Section).Get<ModelsOptions>() ?? new ModelsOptions();
        return engine.MaxRunning + models.Remote.Sum(remote => Math.Max(remote.MaxConcurrency, 0));
    }
}
