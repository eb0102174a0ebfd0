namespace GptOssWorkbench.Data.Batches;

using GptOssWorkbench.Data.Runs;

/// <summary>
/// The settings grid a batch runs every prompt through: models × efforts × temperatures × seeds × repeats.
/// An empty effort, temperature or seed list means one cell with the model's default (or a random seed).
/// Stored on the batch as JSON.
/// </summary>
public class BatchMatrix
{
    public List<string> Models { get; set; } = [];
    public List<ReasoningEffort> ReasoningEfforts { get; set; } = [];
    public List<double> Temperatures { get; set; } = [];
    public List<long> Seeds { get; set; } = [];
    public int Repeats { get; set; } = 1;

    public int CellCount => Models.Count * Math.Max(1, ReasoningEfforts.Count) * Math.Max(1, Temperatures.Count)
        * Math.Max(1, Seeds.Count) * Repeats;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad axis.</summary>
    public void Validate()
    {
        if (Models.Count == 0)
            throw new ArgumentException("The matrix needs at least one model.");
        if (Models.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("The matrix has an empty model name.");
        RejectDuplicates("models", Models);
        RejectDuplicates("reasoning efforts", ReasoningEfforts);
        RejectDuplicates("temperatures", Temperatures);
        RejectDuplicates("seeds", Seeds);
        var badTemperature = Temperatures.FirstOrDefault(t => !double.IsFinite(t) || t < 0 || t > 10, double.NaN);
        if (!double.IsNaN(badTemperature) || Temperatures.Any(double.IsNaN))
            throw new ArgumentException($"Temperature {badTemperature} is outside 0..10.");
        if (Repeats is < 1 or > 1000)
            throw new ArgumentException($"Repeats must be between 1 and 1000 (got {Repeats}).");
    }

    /// <summary>
    /// Expands prompts into items in a fixed order (prompt in file order, then model, effort, temperature,
    /// seed, repeat), so the same file and matrix always give the same items with the same Order.
    /// </summary>
    public List<BatchItem> Expand(IReadOnlyList<BatchPrompt> prompts)
    {
        Validate();
        List<ReasoningEffort?> efforts = ReasoningEfforts.Count == 0 ? [null] : ReasoningEfforts.Select(e => (ReasoningEffort?)e).ToList();
        List<double?> temperatures = Temperatures.Count == 0 ? [null] : Temperatures.Select(t => (double?)t).ToList();
        List<long?> seeds = Seeds.Count == 0 ? [null] : Seeds.Select(s => (long?)s).ToList();

        var items = new List<BatchItem>(prompts.Count * CellCount);
        foreach (var prompt in prompts)
            foreach (var model in Models)
                foreach (var effort in efforts)
                    foreach (var temperature in temperatures)
                        foreach (var seed in seeds)
                            for (var repeat = 0; repeat < Repeats; repeat++)
                                items.Add(new BatchItem
                                {
                                    Order = items.Count,
                                    SourceLine = prompt.Line,
                                    ExternalId = prompt.Id,
                                    Prompt = prompt.Prompt,
                                    SystemInstructions = prompt.System,
                                    DeveloperInstructions = prompt.Developer,
                                    MetadataJson = prompt.MetadataJson,
                                    Expected = prompt.Expected,
                                    ModelName = model,
                                    ReasoningEffort = effort,
                                    Temperature = temperature,
                                    Seed = seed,
                                    RepeatIndex = repeat,
                                });
        return items;
    }

    private static void RejectDuplicates<T>(string axis, List<T> values)
    {
        var duplicate = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"The matrix lists {axis} value '{duplicate.Key}' twice.");
    }
}
