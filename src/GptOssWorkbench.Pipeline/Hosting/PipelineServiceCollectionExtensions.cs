namespace GptOssWorkbench.Pipeline.Hosting;

using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Observability;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Pipeline.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// The pipeline's services. The host must also register <c>IDbContextFactory&lt;WorkbenchDbContext&gt;</c> and
    /// Hangfire (client, and a server where jobs run; a <c>JobStorage</c> service when <see cref="PipelineRole.RecoversRuns"/>).
    /// </summary>
    public static IServiceCollection AddWorkbenchPipeline(this IServiceCollection services, PipelineRole role)
    {
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section);
        services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.Section);
        services.AddOptions<EngineHostOptions>().BindConfiguration(EngineHostOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(role);
        services.AddSingleton<RunUpdates>();
        services.AddSingleton<RunCancellations>();
        services.AddSingleton<EngineHost>();
        services.AddSingleton<RemoteEngineClient>();
        services.AddSingleton<RemoteEngineGate>();
        services.AddSingleton<RemoteConnectionTest>();
        services.AddMetrics();
        services.AddSingleton<WorkbenchMetrics>();
        // Hangfire's filters are process-wide: every process that enqueues or runs jobs carries the run's trace along.
        TraceContextJobFilter.Register();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<RunLauncher>();
        services.AddSingleton<RunControl>();
        services.AddSingleton<BatchService>();
        services.AddSingleton<GptOssWorkbench.Pipeline.Replays.ReplayService>();
        services.AddSingleton<RunRecovery>();
        services.AddTransient<InferenceJob>();
        services.AddSingleton<WorkerDirectory>();
        services.AddHostedService<PipelineStartup>();
        if (role.RecoversRuns)
        {
            // The process that recovers runs at start also re-enqueues, while running, queued runs whose job vanished.
            services.AddSingleton<RunQueueSweep>();
            services.AddHostedService(sp => sp.GetRequiredService<RunQueueSweep>());
        }
        return services;
    }

    /// <summary>For a process that runs jobs on its engines: report this worker every few seconds (see WorkerHeartbeatService).</summary>
    public static IServiceCollection AddWorkerHeartbeat(this IServiceCollection services)
    {
        services.AddSingleton<WorkerHeartbeatService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerHeartbeatService>());
        return services;
    }
}
