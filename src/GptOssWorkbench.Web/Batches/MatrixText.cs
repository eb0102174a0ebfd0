namespace GptOssWorkbench.Web.Batches;

using System.Globalization;

/// <summary>Parses the matrix chooser's comma-separated number lists ("0.7, 1" or "1, 2, 3").</summary>
public static class MatrixText
{
    public static List<double> Doubles(string? text, string field) =>
        Split(text).Select(part => double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{field}: '{part}' is not a number.")).ToList();

    public static List<long> Longs(string? text, string field) =>
        Split(text).Select(part => long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{field}: '{part}' is not a whole number.")).ToList();

    private static IEnumerable<string> Split(string? text) =>
        (text ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
