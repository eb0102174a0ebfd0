namespace GptOssWorkbench.Web.Tests.Observability;

using System.Globalization;
using System.Text.RegularExpressions;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Web.Tests.Hosting;

/// <summary>
/// A host with the trained demo model under a name no other test uses (metrics are process-wide: other hosts in
/// this test process record too, but never with this model tag) and a scrape token.
/// </summary>
public sealed class ObservabilityHostFixture : IAsyncLifetime
{
    public const string ScrapeToken = "scrape-token-for-tests-0123456789abcdef";

    public string ModelName { get; } = $"metrics-nano-{Guid.NewGuid():N}"[..24];

    public WorkbenchHost Host { get; private set; } = default!;

    public Task InitializeAsync()
    {
        Host = WorkbenchHost.Start(temp => new Dictionary<string, string?>
        {
            ["Models:Folders:0:Name"] = ModelName,
            ["Models:Folders:0:Path"] = DemoModel.EnsureWritten(Path.Combine(temp, "nano")),
            ["Observability:MetricsToken"] = ScrapeToken,
            // Every scrape reads the database afresh, so a test sees the run it just finished.
            ["Observability:DatabaseGaugeCacheDuration"] = "00:00:00",
            ["Pipeline:HeartbeatInterval"] = "00:00:00.300",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The samples of a Prometheus text exposition, by metric name (the labels as written).</summary>
public sealed partial class Scrape(string text)
{
    public string Text { get; } = text;

    public IReadOnlyList<(string Name, string Labels, double Value)> Samples { get; } = [.. text.Split('\n')
        .Where(line => line.Length > 0 && line[0] != '#')
        .Select(line => SampleLine().Match(line))
        .Where(m => m.Success)
        .Select(m => (m.Groups["name"].Value, m.Groups["labels"].Value, ParseValue(m.Groups["value"].Value)))];

    public IEnumerable<string> Names => Samples.Select(s => s.Name).Distinct();

    /// <summary>Samples of <paramref name="name"/> whose labels contain every one of <paramref name="labels"/> (k="v").</summary>
    public IEnumerable<double> Values(string name, params string[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Select(s => s.Value);

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(value, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();
}
