namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Web.Tests.Hosting;

/// <summary>One embedded-mode workbench (SQLite file, in-memory Hangfire, in-process engine) for the pipeline tests.</summary>
public sealed class PipelineHostFixture : IAsyncLifetime
{
    public WorkbenchHost Host { get; private set; } = default!;

    public IServiceProvider Services => Host.Services;

    public Task InitializeAsync()
    {
        Host = WorkbenchHost.Start(_ => TinyModel.Settings());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineHostFixture>
{
    public const string Name = "Pipeline";
}
