namespace GptOssWorkbench.Data.Tests.Batches;

using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Runs;

public class BatchMatrixTests
{
    private static readonly BatchPrompt[] Prompts =
    [
        new(2, "first", null, null, "p1", "{}"),
        new(3, "second", "sys", "dev", "p2", "{\"k\":\"v\"}"),
    ];

    [Fact]
    public void Expansion_multiplies_every_axis_in_a_fixed_order()
    {
        var matrix = new BatchMatrix
        {
            Models = ["small", "large"],
            ReasoningEfforts = [ReasoningEffort.Low, ReasoningEffort.Medium, ReasoningEffort.High],
            Temperatures = [0.0, 1.0],
            Seeds = [11, 22],
            Repeats = 3,
        };

        var items = matrix.Expand(Prompts);

        // 2 prompts × 2 models × 3 efforts × 2 temperatures × 2 seeds × 3 repeats
        Assert.Equal(144, items.Count);
        Assert.Equal(Enumerable.Range(0, 144), items.Select(i => i.Order));
        // Repeat varies fastest, then seed, temperature, effort, model, prompt.
        Assert.Equal(("first", "small", ReasoningEffort.Low, 0.0, 11L, 0), Coordinates(items[0]));
        Assert.Equal(("first", "small", ReasoningEffort.Low, 0.0, 11L, 2), Coordinates(items[2]));
        Assert.Equal(("first", "small", ReasoningEffort.Low, 0.0, 22L, 0), Coordinates(items[3]));
        Assert.Equal(("first", "small", ReasoningEffort.Low, 1.0, 11L, 0), Coordinates(items[6]));
        Assert.Equal(("first", "small", ReasoningEffort.Medium, 0.0, 11L, 0), Coordinates(items[12]));
        Assert.Equal(("first", "large", ReasoningEffort.Low, 0.0, 11L, 0), Coordinates(items[36]));
        Assert.Equal(("second", "small", ReasoningEffort.Low, 0.0, 11L, 0), Coordinates(items[72]));
        Assert.Equal(("second", "large", ReasoningEffort.High, 1.0, 22L, 2), Coordinates(items[143]));
        // Each distinct cell appears once per prompt.
        Assert.Equal(144, items.Select(Coordinates).Distinct().Count());
        // The prompt's own fields travel with every item.
        Assert.All(items.Skip(72), i => Assert.Equal(("sys", "dev", "p2", 3, "{\"k\":\"v\"}"), (i.SystemInstructions, i.DeveloperInstructions, i.ExternalId, i.SourceLine, i.MetadataJson)));
        // Same input, same output.
        Assert.Equal(items.Select(Coordinates), matrix.Expand(Prompts).Select(Coordinates));
    }

    [Fact]
    public void Empty_optional_axes_mean_one_cell_with_the_model_defaults()
    {
        var items = new BatchMatrix { Models = ["m"] }.Expand(Prompts);

        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal(((ReasoningEffort?)null, (double?)null, (long?)null, 0), (i.ReasoningEffort, i.Temperature, i.Seed, i.RepeatIndex)));
    }

    [Theory]
    [InlineData(new string[0], 1, "at least one model")]
    [InlineData(new[] { "m", " " }, 1, "empty model name")]
    [InlineData(new[] { "m" }, 0, "Repeats must be between 1 and 1000")]
    public void Invalid_matrices_are_refused(string[] models, int repeats, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => new BatchMatrix { Models = [.. models], Repeats = repeats }.Expand(Prompts));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Invalid_temperatures_and_duplicate_seeds_are_refused()
    {
        Assert.Contains("outside 0..10", Assert.Throws<ArgumentException>(() => new BatchMatrix { Models = ["m"], Temperatures = [-0.5] }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new BatchMatrix { Models = ["m"], Temperatures = [double.NaN] }.Validate());
        Assert.Contains("seeds value '5' twice", Assert.Throws<ArgumentException>(() => new BatchMatrix { Models = ["m"], Seeds = [5, 5] }.Validate()).Message);
    }

    private static (string, string, ReasoningEffort?, double?, long?, int) Coordinates(BatchItem i) =>
        (i.Prompt, i.ModelName, i.ReasoningEffort, i.Temperature, i.Seed, i.RepeatIndex);
}
