namespace GptOssWorkbench.Web.Tests.Jobs;

/// <summary>
/// Tests that start hosts of their own while jobs run, alone. Two hosts in one test process share Hangfire's static
/// state; its job activator was the cause of one host's jobs running against the other host's database (fixed in
/// JobsExtensions, see TwoHostsTests), but JobStorage.Current and the log provider are still shared, and these tests
/// count jobs, states and log lines of their own host.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedHostsCollection
{
    public const string Name = "Isolated hosts";
}
