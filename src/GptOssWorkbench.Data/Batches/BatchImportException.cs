namespace GptOssWorkbench.Data.Batches;

/// <summary>
/// A batch file or request that cannot be imported. The message names the file, line and field so the user
/// can fix the file; nothing has been written when this is thrown.
/// </summary>
public class BatchImportException : Exception
{
    public BatchImportException(string fileName, int? line, string? field, string reason, Exception? inner = null)
        : base(Describe(fileName, line, field, reason), inner)
    {
        FileName = fileName;
        Line = line;
        Field = field;
        Reason = reason;
    }

    public string FileName { get; }
    public int? Line { get; }
    public string? Field { get; }
    public string Reason { get; }

    private static string Describe(string fileName, int? line, string? field, string reason)
    {
        var where = fileName;
        if (line is not null)
            where += $", line {line}";
        if (field is not null)
            where += $", field '{field}'";
        return $"{where}: {reason}";
    }
}
