namespace GptOssWorkbench.Pipeline.Tests.Hosting;

using GptOssWorkbench.Pipeline.Engines;
using GptOssWorkbench.Pipeline.Hosting;
using Microsoft.Extensions.Configuration;

public sealed class JobWorkerCountTests
{
    [Fact]
    public void The_job_count_follows_the_engine_and_remote_engines_unless_set_and_rejects_nonsense()
    {
        static int CountFor(params (string Key, string Value)[] pairs) => JobWorkerCount.For(new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build());

        Assert.Equal(new EngineHostOptions().MaxRunning, CountFor());
        Assert.Equal(20, CountFor(("Engine:MaxRunning", "20")));
        Assert.Equal(20 + 64 + 4, CountFor(("Engine:MaxRunning", "20"),
            ("Models:Remote:0:Name", "a"), ("Models:Remote:0:MaxConcurrency", "64"), ("Models:Remote:1:Name", "b")));
        Assert.Equal(3, CountFor(("Engine:MaxRunning", "20"), ("Jobs:WorkerCount", "3")));

        var zero = Assert.Throws<ArgumentException>(() => CountFor(("Jobs:WorkerCount", "0")));
        Assert.Contains("Jobs:WorkerCount", zero.Message);
        var text = Assert.Throws<ArgumentException>(() => CountFor(("Jobs:WorkerCount", "many")));
        Assert.Contains("'many'", text.Message);
        var engine = Assert.Throws<ArgumentException>(() => CountFor(("Engine:MaxRunning", "0")));
        Assert.Contains("Engine:MaxRunning", engine.Message);
    }
}
