namespace GptOssWorkbench.Pipeline.Hosting;

using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// On start (after the host migrated the database): registers configured models, creates the demo model when there
/// is none, and recovers runs a crash left behind. Failures are logged, not thrown, so the host still serves its
/// health page.
/// </summary>
public sealed class PipelineStartup(ModelCatalog catalog, RunRecovery recovery, PipelineRole role, IOptions<PipelineOptions> options,
    ILogger<PipelineStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await catalog.EnsureModelsAsync(cancellationToken);
            if (options.Value.RecoverOnStart && role.RecoversRuns)
                await recovery.RecoverAsync(requeueRunning: role.Embedded, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Pipeline start-up failed: {Error}", e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>What this process is in the pipeline.</summary>
/// <param name="Embedded">One process owns everything (SQLite + in-memory queue): recovery may requeue running runs.</param>
/// <param name="RecoversRuns">Runs start-up recovery (the web app; workers do not).</param>
public sealed record PipelineRole(bool Embedded, bool RecoversRuns);
