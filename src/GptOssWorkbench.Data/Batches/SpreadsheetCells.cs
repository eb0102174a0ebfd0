namespace GptOssWorkbench.Data.Batches;

using System.Globalization;

/// <summary>
/// CSV formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell starting with = + - @ (and, in some, a tab
/// or carriage return before them) as a formula, so a prompt or a model answer like <c>=HYPERLINK(...)</c> or
/// <c>@SUM(...)|cmd</c> would act when a reviewer opens the export. Such text gets OWASP's fix: a leading single quote,
/// which spreadsheets show as text and never evaluate.
/// </summary>
public static class SpreadsheetCells
{
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    public static string Neutralise(string text)
    {
        if (text.Length == 0 || Array.IndexOf(FormulaStarts, text[0]) < 0) return text;
        // A plain number ("-3", "+1.5", "-2e3") is left alone: a spreadsheet reads it as that number and can run
        // nothing from it, and an arithmetic model's answer column must stay readable (and summable) as numbers.
        if (IsPlainNumber(text)) return text;
        return "'" + text;
    }

    private static bool IsPlainNumber(string text) =>
        text[0] is '+' or '-'
        && text.Length > 1
        && (char.IsAsciiDigit(text[1]) || text[1] == '.')
        && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out _);
}
