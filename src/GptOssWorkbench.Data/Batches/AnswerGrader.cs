namespace GptOssWorkbench.Data.Batches;

using System.Globalization;
using System.Text.RegularExpressions;

/// <summary>
/// Decides whether a run's final answer matches a batch row's reference answer. The rule is exact match after
/// normalization, deliberately strict so that accuracy numbers mean the same thing for every team:
/// <list type="number">
/// <item>Trim, collapse every run of whitespace to one space, drop one trailing period ("Paris." = "paris").</item>
/// <item>If both sides are then plain numbers, compare them as numbers: an optional sign, digits with optional
/// comma thousands groups ("6,033"), an optional decimal part ("6033.0"). A comma that is not a valid thousands
/// group ("1,5") makes the text not a number, so it cannot silently equal 15.</item>
/// <item>Otherwise compare the texts ignoring case (invariant culture).</item>
/// </list>
/// No partial credit and no searching inside longer text: "The answer is 6033" does not match "6033".
/// </summary>
public static partial class AnswerGrader
{
    /// <summary>True when <paramref name="answer"/> matches <paramref name="expected"/>; a missing answer is wrong.</summary>
    public static bool IsCorrect(string expected, string? answer)
    {
        if (answer is null)
            return false;
        var left = Normalize(expected);
        var right = Normalize(answer);
        if (TryParseNumber(left, out var expectedNumber) && TryParseNumber(right, out var answerNumber))
            return expectedNumber == answerNumber;
        return string.Equals(left, right, StringComparison.InvariantCultureIgnoreCase);
    }

    /// <summary>
    /// Grades a batch item: null while it cannot be graded (no reference, or its run has not finished); a finished run
    /// (succeeded, failed or cancelled) without a final answer is wrong, because accuracy is over everything that ran.
    /// </summary>
    public static bool? Grade(string? expected, Runs.RunStatus? status, string? answer)
    {
        if (expected is null || status is null or Runs.RunStatus.Queued or Runs.RunStatus.Running)
            return null;
        return IsCorrect(expected, answer);
    }

    private static string Normalize(string text)
    {
        var collapsed = Whitespace().Replace(text.Trim(), " ");
        return collapsed.EndsWith('.') ? collapsed[..^1].TrimEnd() : collapsed;
    }

    private static bool TryParseNumber(string text, out decimal number)
    {
        number = 0;
        return PlainNumber().IsMatch(text)
            && decimal.TryParse(text.Replace(",", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture, out number);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")]
    private static partial Regex PlainNumber();
}
