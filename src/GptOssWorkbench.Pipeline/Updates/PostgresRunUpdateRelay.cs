namespace GptOssWorkbench.Pipeline.Updates;

using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using GptOssWorkbench.Pipeline.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

/// <summary>
/// Distributed mode: carries run updates and cancel requests between processes with PostgreSQL LISTEN/NOTIFY, so
/// nothing but the database the workbench already needs is involved. Every process (web and workers) runs one:
/// updates published locally are sent as NOTIFY on <see cref="UpdatesChannel"/> (several per message, a message
/// stays under PostgreSQL's 8000-byte payload limit), and notifications from other processes are delivered to the
/// local <see cref="RunUpdates"/> subscribers. Cancels go the same way on <see cref="CancelChannel"/>.
/// NOTIFY is fire-and-forget: a process that is not listening at that moment misses it. That is fine for live
/// text (the database has the stored output) and for cancels (workers also poll the run's flag).
/// </summary>
public sealed class PostgresRunUpdateRelay(string connectionString, RunUpdates updates, RunCancellations cancellations,
    ILogger<PostgresRunUpdateRelay> logger) : BackgroundService
{
    public const string UpdatesChannel = "workbench_run_updates";
    public const string CancelChannel = "workbench_run_cancel";
    private const int MaxPayloadBytes = 7000;

    private readonly string origin = Guid.NewGuid().ToString("N");
    private readonly Channel<RunUpdate> outbound = Channel.CreateUnbounded<RunUpdate>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<long> outboundCancels = Channel.CreateUnbounded<long>();

    private sealed record Envelope(string Origin, List<RunUpdate> Updates);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        updates.PublishedLocally += OnPublished;
        cancellations.CancelRequested += OnCancel;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        updates.PublishedLocally -= OnPublished;
        cancellations.CancelRequested -= OnCancel;
        await base.StopAsync(cancellationToken);
    }

    private void OnPublished(RunUpdate update) => outbound.Writer.TryWrite(update);

    private void OnCancel(long runId) => outboundCancels.Writer.TryWrite(runId);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), SendUpdatesAsync(stoppingToken), SendCancelsAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Receive(e.Channel, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {UpdatesChannel}; LISTEN {CancelChannel};", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Run update relay lost its LISTEN connection; reconnecting");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void Receive(string channel, string payload)
    {
        try
        {
            if (channel == CancelChannel)
            {
                cancellations.CancelLocal(long.Parse(payload, System.Globalization.CultureInfo.InvariantCulture));
                return;
            }
            var envelope = JsonSerializer.Deserialize<Envelope>(payload);
            if (envelope is null || envelope.Origin == origin) return;
            foreach (var update in envelope.Updates) updates.Deliver(update);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Ignoring a malformed {Channel} notification", channel);
        }
    }

    /// <summary>Sends what accumulated since the last NOTIFY in as few notifications as the payload limit allows.</summary>
    private async Task SendUpdatesAsync(CancellationToken stoppingToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        while (await outbound.Reader.WaitToReadAsync(stoppingToken).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default))
        {
            var batch = new List<RunUpdate>();
            var size = 0;
            while (outbound.Reader.TryRead(out var update))
            {
                foreach (var piece in Split(update))
                {
                    var bytes = Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(piece));
                    if (size + bytes > MaxPayloadBytes && batch.Count > 0)
                    {
                        await NotifyAsync(dataSource, batch, stoppingToken);
                        batch = [];
                        size = 0;
                    }
                    batch.Add(piece);
                    size += bytes;
                }
            }
            if (batch.Count > 0) await NotifyAsync(dataSource, batch, stoppingToken);
        }
    }

    /// <summary>A delta too big for one notification is sent as several smaller deltas of the same message.</summary>
    private static IEnumerable<RunUpdate> Split(RunUpdate update)
    {
        if (update is not RunDelta { Text.Length: > 1500 } delta)
        {
            yield return update;
            yield break;
        }
        for (var at = 0; at < delta.Text.Length; at += 1500)
            yield return delta with { Text = delta.Text.Substring(at, Math.Min(1500, delta.Text.Length - at)), Logprobs = at == 0 ? delta.Logprobs : null };
    }

    private async Task NotifyAsync(NpgsqlDataSource dataSource, List<RunUpdate> batch, CancellationToken stoppingToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
            command.Parameters.AddWithValue(UpdatesChannel);
            command.Parameters.AddWithValue(JsonSerializer.Serialize(new Envelope(origin, batch)));
            await command.ExecuteNonQueryAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not send {Count} run updates", batch.Count);
        }
    }

    private async Task SendCancelsAsync(CancellationToken stoppingToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await foreach (var runId in outboundCancels.Reader.ReadAllAsync(stoppingToken))
            {
                await using var command = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
                command.Parameters.AddWithValue(CancelChannel);
                command.Parameters.AddWithValue(runId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await command.ExecuteNonQueryAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
