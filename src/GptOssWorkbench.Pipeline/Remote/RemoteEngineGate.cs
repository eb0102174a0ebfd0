namespace GptOssWorkbench.Pipeline.Remote;

using Hangfire;
using Hangfire.Storage;

/// <summary>
/// At most <see cref="RemoteEngineOptions.MaxConcurrency"/> requests in flight per remote server across every worker
/// process: a counting semaphore made of N Hangfire distributed locks ("slots") in the job storage all processes
/// already share (in-memory storage in embedded mode, PostgreSQL rows in the distributed one). A request takes the
/// first free slot and holds it until its stream ends; a waiting request retries the slots every quarter second.
/// Hangfire locks rather than a table of our own: no schema change, and a killed worker's slot is freed by the same
/// expiry (Jobs:InvisibilityTimeout) that hands its jobs to another worker. The server itself does the batching.
/// </summary>
public sealed class RemoteEngineGate(JobStorage storage)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public async Task<IDisposable> EnterAsync(RemoteEngineOptions engine, CancellationToken cancellationToken)
    {
        var slots = Math.Max(1, engine.MaxConcurrency);
        while (true)
        {
            for (var slot = 0; slot < slots; slot++)
            {
                var connection = storage.GetConnection();
                try
                {
                    var held = connection.AcquireDistributedLock($"gptoss:remote:{engine.Name}:slot:{slot}", TimeSpan.Zero);
                    return new Slot(connection, held);
                }
                // Hangfire.PostgreSql reports a taken lock with its own PostgreSqlDistributedLockException.
                catch (Exception e) when (e is DistributedLockTimeoutException || e.GetType().Name.Contains("DistributedLock", StringComparison.Ordinal))
                {
                    connection.Dispose();
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private sealed class Slot(IStorageConnection connection, IDisposable held) : IDisposable
    {
        public void Dispose()
        {
            held.Dispose();
            connection.Dispose();
        }
    }
}
