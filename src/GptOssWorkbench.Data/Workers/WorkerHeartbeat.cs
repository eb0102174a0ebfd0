namespace GptOssWorkbench.Data.Workers;

using System.Text.Json;

/// <summary>
/// The last report of one engine host (the web app in embedded mode, or a worker process): what it runs on, which
/// models it has loaded and how busy they are. Each host upserts its row every few seconds, so pages in any process
/// see every worker; a row not refreshed for <see cref="OfflineAfter"/> reads as offline.
/// </summary>
public class WorkerHeartbeat
{
    /// <summary>Longer than several missed heartbeats, so one slow database write does not flap the state.</summary>
    public static readonly TimeSpan OfflineAfter = TimeSpan.FromSeconds(30);

    /// <summary>Rows of workers gone this long are deleted (restarted processes get new names).</summary>
    public static readonly TimeSpan PruneAfter = TimeSpan.FromDays(1);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public long Id { get; set; }

    /// <summary>Unique: the worker name (Pipeline:WorkerName, default machine:pid).</summary>
    public string Name { get; set; } = "";
    public string MachineName { get; set; } = "";
    public int ProcessId { get; set; }
    public string Device { get; set; } = "";
    public string Dtype { get; set; } = "";

    /// <summary>Configured libtorch threads; 0 = automatic.</summary>
    public int Threads { get; set; }

    /// <summary>JSON array of <see cref="WorkerModel"/> (read with <see cref="Models"/>): small, always read whole.</summary>
    public string LoadedModelsJson { get; set; } = "[]";

    public int KvBlocksUsed { get; set; }
    public int KvBlocksTotal { get; set; }
    public int RunningSequences { get; set; }
    public int WaitingSequences { get; set; }

    /// <summary>Decode tokens per second over the engines' recent window.</summary>
    public double TokensPerSecond { get; set; }

    public DateTime StartedAt { get; set; }
    public DateTime LastSeenAt { get; set; }

    /// <summary>Set by a clean shutdown; a killed process never sets it and goes offline instead.</summary>
    public DateTime? StoppedAt { get; set; }

    public IReadOnlyList<WorkerModel> Models() => JsonSerializer.Deserialize<List<WorkerModel>>(LoadedModelsJson, Json) ?? [];

    public void SetModels(IEnumerable<WorkerModel> models) => LoadedModelsJson = JsonSerializer.Serialize(models.ToList(), Json);

    public WorkerState StateAt(DateTime now) =>
        StoppedAt is not null ? WorkerState.Stopped : now - LastSeenAt > OfflineAfter ? WorkerState.Offline : WorkerState.Online;
}

public enum WorkerState
{
    Online,
    Offline,
    Stopped,
}

/// <summary>One model loaded in a worker, with its engine's load.</summary>
public sealed record WorkerModel(string Name, string WeightsFingerprint, int KvBlocksUsed, int KvBlocksTotal, int Running, int Waiting, double TokensPerSecond);
