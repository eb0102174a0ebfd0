namespace GptOssWorkbench.Data.Batches;

/// <summary>Who reads a CSV export: a program (every cell exact) or a spreadsheet (formula-like text neutralised).</summary>
public enum CsvTarget
{
    Exact,
    Spreadsheet,
}
