namespace GptOssWorkbench.Web.Tests.Jobs;

/// <summary>
/// Tests that start hosts of their own while jobs run, alone: two hosts in one test process share Hangfire's static
/// state (JobStorage.Current, the job activator), so one host's job server can take, or run against its own database,
/// another host's jobs (see WorkbenchCollection). Running them next to the Pipeline collection made either side's
/// runs stay queued or finish in the wrong database.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedHostsCollection
{
    public const string Name = "Isolated hosts";
}
