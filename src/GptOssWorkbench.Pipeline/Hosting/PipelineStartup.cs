namespace GptOssWorkbench.Pipeline.Hosting;

using GptOssWorkbench.Pipeline.Downloads;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// On start (after the host migrated the database): registers configured models, creates the demo model when there
/// is none, and recovers runs a crash left behind. Failures are logged, not thrown, so the host still serves its
/// health page.
/// </summary>
public sealed class PipelineStartup(IServiceProvider services, PipelineRole role, IOptions<PipelineOptions> options,
    ILogger<PipelineStartup> logger) : IHostedService
{
    private Task background = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolved here, inside the try: building the database options can already fail (a data folder that is a file),
        // and that must be reported, not crash the host.
        ModelCatalog catalog;
        RunRecovery recovery;
        ModelDownloadService downloads;
        try
        {
            catalog = services.GetRequiredService<ModelCatalog>();
            recovery = services.GetRequiredService<RunRecovery>();
            downloads = services.GetRequiredService<ModelDownloadService>();
            // Fast (reads config.json headers): done before the host serves, so configured models are listed at once.
            await catalog.RegisterConfiguredAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Registering the configured models failed: {Error}", e.Message);
            return;
        }
        // Slow parts (writing the demo model's random weights, re-enqueueing many runs) must not hold up the start of
        // the other hosted services (the Hangfire server) or the web server.
        background = Task.Run(async () =>
        {
            try
            {
                await catalog.EnsureDemoModelAsync(CancellationToken.None);
                if (options.Value.RecoverOnStart && role.RecoversRuns)
                {
                    await recovery.RecoverAsync(requeueRunning: role.Embedded, CancellationToken.None);
                    await downloads.RecoverAsync(requeueRunning: role.Embedded, CancellationToken.None);
                }
            }
            catch (ObjectDisposedException)
            {
                // The host stopped (a start that failed, a port in use say) before this finished: nothing to recover
                // into, and a stack trace here would bury the one line that says why the start failed.
                logger.LogInformation("Pipeline start-up work stopped: the host shut down first");
            }
            catch (Exception e)
            {
                logger.LogError(e, "Pipeline start-up failed: {Error}", e.Message);
            }
        }, CancellationToken.None);
    }

    public Task StopAsync(CancellationToken cancellationToken) => background.WaitAsync(cancellationToken);
    }

/// <summary>What this process is in the pipeline.</summary>
/// <param name="Embedded">One process owns everything (SQLite + in-memory queue): recovery may requeue running runs.</param>
/// <param name="RecoversRuns">Runs start-up recovery (the web app; workers do not).</param>
public sealed record PipelineRole(bool Embedded, bool RecoversRuns);
