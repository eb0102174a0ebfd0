namespace GptOssWorkbench.Web.Review;

using System.Globalization;
using GptOssWorkbench.Data.Runs;

/// <summary>
/// The Review list's filters in its address (<c>review?batch=3&amp;model=gpt-oss-20b&amp;effort=low&amp;grade=wrong</c>):
/// read when the page opens and written back as they change, so a link (the batch page's accuracy counts), a reload
/// or a copied address shows the same list. A value the page cannot read (a typo, an old link) leaves that filter at
/// "any" instead of failing the page.
/// </summary>
public static class RunFilterQuery
{
    public const string BatchName = "batch", TextName = "q", ModelName = "model", EffortName = "effort", TemperatureName = "temperature", GradeName = "grade", FlagName = "flag";

    /// <summary><paramref name="filter"/> with the address's values (unreadable ones left unset).</summary>
    public static RunFilter Read(RunFilter filter, string? batch, string? text, string? model, string? effort, string? temperature, string? grade,
        string? flag = null) => filter with
    {
        BatchId = long.TryParse(batch, NumberStyles.None, CultureInfo.InvariantCulture, out var batchId) ? batchId : null,
        Text = string.IsNullOrWhiteSpace(text) ? null : text,
        Model = string.IsNullOrWhiteSpace(model) ? null : model,
        Effort = EnumByName<ReasoningEffort>(effort),
        Temperature = double.TryParse(temperature, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && double.IsFinite(t) ? t : null,
        Grade = EnumByName<GradeFilter>(grade) ?? GradeFilter.Any,
        Flag = EnumByName<FlagFilter>(flag) ?? FlagFilter.Any,
    };

    /// <summary>The address of the Review list with these filters (only the ones the address carries).</summary>
    public static string Link(RunFilter filter)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
                parts.Add(name + "=" + Uri.EscapeDataString(value));
        }
        Add(BatchName, filter.BatchId?.ToString(CultureInfo.InvariantCulture));
        Add(TextName, string.IsNullOrWhiteSpace(filter.Text) ? null : filter.Text);
        Add(ModelName, string.IsNullOrEmpty(filter.Model) ? null : filter.Model);
        Add(EffortName, filter.Effort?.ToString().ToLowerInvariant());
        // "R": the exact double comes back, so the exact-match temperature filter finds the runs the link was made for.
        Add(TemperatureName, filter.Temperature?.ToString("R", CultureInfo.InvariantCulture));
        Add(GradeName, filter.Grade == GradeFilter.Any ? null : filter.Grade.ToString().ToLowerInvariant());
        Add(FlagName, filter.Flag == FlagFilter.Any ? null : filter.Flag.ToString().ToLowerInvariant());
        return parts.Count == 0 ? "review" : "review?" + string.Join("&", parts);
    }

    /// <summary>By name only, ignoring case: Enum.TryParse would also take "7" and hand back an undefined value.</summary>
    private static T? EnumByName<T>(string? text) where T : struct, Enum =>
        Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text?.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<T>(name)
            : null;
}
