namespace GptOssWorkbench.Pipeline.Hosting;

using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Downloads;
using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Observability;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Pipeline.Workers;
using GptOssWorkbench.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Configuration;

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
        services.AddSingleton<RemoteEngineKeyProtector>();
        services.AddSingleton<RemoteEngineRegistry>();
        services.AddWorkbenchDataProtection();
        services.AddMetrics();
        services.AddSingleton<WorkbenchMetrics>();
        // Hangfire's filters are process-wide: every process that enqueues or runs jobs carries the run's trace along.
        TraceContextJobFilter.Register();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<RunLauncher>();
        services.AddSingleton<RunControl>();
        services.AddSingleton<BatchService>();
        services.AddSingleton<GptOssWorkbench.Pipeline.Replays.ReplayService>();
        services.AddSingleton<GptOssWorkbench.Pipeline.Branches.BranchService>();
        services.AddSingleton<RunRecovery>();
        services.AddTransient<InferenceJob>();
        services.AddSingleton<WorkerDirectory>();
        // Hub downloads: HF_ENDPOINT / HF_TOKEN win over Hub:*; the folders go next to the demo model unless Hub:DownloadRoot says otherwise.
        services.AddSingleton(sp =>
        {
            var hub = HubOptions.From(sp.GetRequiredService<IConfiguration>());
            hub.DownloadRoot ??= sp.GetRequiredService<IOptions<ModelsOptions>>().Value.DemoModelDirectory ?? Path.GetFullPath(Path.Combine("data", "models"));
            return hub;
        });
        services.AddSingleton(sp => new HubClient(HubClient.CreateHttpClient(), sp.GetRequiredService<HubOptions>()));
        services.AddSingleton<ModelDownloadService>();
        services.AddTransient<ModelDownloadJob>();
        services.AddHostedService<PipelineStartup>();
        if (role.RecoversRuns)
        {
            // The process that recovers runs at start also re-enqueues, while running, queued runs whose job vanished.
            services.AddSingleton<RunQueueSweep>();
            services.AddHostedService(sp => sp.GetRequiredService<RunQueueSweep>());
        }
        return services;
    }

    /// <summary>
    /// ASP.NET Core Data Protection with its key ring in the workbench database (table DataProtectionKeys) under one
    /// application name. Both matter in the distributed mode: the web app encrypts a remote engine's API key and a worker
    /// decrypts it, which needs the same keys (the database every process shares) and the same application name (the
    /// default is the content root, which differs per process). Sign-in cookies use the same ring, so they survive a restart.
    /// </summary>
    public static IServiceCollection AddWorkbenchDataProtection(this IServiceCollection services)
    {
        // PersistKeysToDbContext resolves the context from a scope; the hosts register only the factory.
        services.TryAddScoped(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<WorkbenchDbContext>>().CreateDbContext());
        services.AddDataProtection()
            .SetApplicationName(DataProtectionApplicationName)
            .PersistKeysToDbContext<WorkbenchDbContext>();
        return services;
    }

    public const string DataProtectionApplicationName = "GptOssWorkbench";

    /// <summary>For a process that runs jobs on its engines: report this worker every few seconds (see WorkerHeartbeatService).</summary>
    public static IServiceCollection AddWorkerHeartbeat(this IServiceCollection services)
    {
        services.AddSingleton<WorkerHeartbeatService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerHeartbeatService>());
        return services;
    }
}
