namespace GptOssWorkbench.Web.Tests.Hosting;

/// <summary>One workbench host shared by the tests of the "Workbench" collection (starting one takes seconds).</summary>
public sealed class WorkbenchHostFixture : IAsyncLifetime
{
    public WorkbenchHost Host { get; private set; } = default!;

    public Task InitializeAsync()
    {
        // The browser journeys chat and run batches with the random-weight demo model.
        Host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Models:CreateDemoModel"] = "true" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

// Not in parallel with other collections: the browser journeys run jobs on this host, and two hosts in one test
// process share Hangfire's static JobStorage.Current, so one host's server can take the other host's jobs.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkbenchCollection : ICollectionFixture<WorkbenchHostFixture>, ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Workbench";
}
