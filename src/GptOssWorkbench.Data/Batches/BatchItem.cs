namespace GptOssWorkbench.Data.Batches;

using GptOssWorkbench.Data.Runs;

/// <summary>One prompt at one matrix cell; executed as one <see cref="Runs.Run"/> (retries reuse that run).</summary>
public class BatchItem
{
    public long Id { get; set; }
    public long BatchJobId { get; set; }
    public BatchJob? BatchJob { get; set; }

    /// <summary>0-based position in the batch: file order, then model, effort, temperature, seed, repeat.</summary>
    public int Order { get; set; }

    /// <summary>The line of the source file the prompt started on (1-based), for error reports and export.</summary>
    public int SourceLine { get; set; }

    /// <summary>The file's own id for the prompt ("id" column/field), if it had one.</summary>
    public string? ExternalId { get; set; }
    public string Prompt { get; set; } = "";
    public string? SystemInstructions { get; set; }
    public string? DeveloperInstructions { get; set; }

    /// <summary>The reference answer ("expected" column/field) the run's final answer is graded against; null = none.</summary>
    public string? Expected { get; set; }

    /// <summary>Every other column/field of the source row as a JSON object, kept for export.</summary>
    public string MetadataJson { get; set; } = "{}";

    // Matrix coordinates. Null effort/temperature/seed mean "the model's default" / "a random seed".
    public string ModelName { get; set; } = "";
    public ReasoningEffort? ReasoningEffort { get; set; }
    public double? Temperature { get; set; }
    public long? Seed { get; set; }
    public int RepeatIndex { get; set; }

    public Run? Run { get; set; }
}
