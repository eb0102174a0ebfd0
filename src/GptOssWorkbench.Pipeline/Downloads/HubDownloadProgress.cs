namespace GptOssWorkbench.Pipeline.Downloads;

/// <summary>A progress snapshot: bytes on disk (including resumed parts) of the bytes the selection needs.</summary>
public sealed record HubDownloadProgress(long BytesDone, long BytesTotal, double BytesPerSecond, TimeSpan? Eta, int FilesDone, int FilesTotal)
{
    public override string ToString() =>
        $"{BytesDone / 1e6:F1} / {BytesTotal / 1e6:F1} MB, {FilesDone}/{FilesTotal} files, {BytesPerSecond / 1e6:F1} MB/s"
        + (Eta is { } eta ? $", ETA {eta:hh\\:mm\\:ss}" : "");
}

/// <summary>What a finished download placed where.</summary>
/// <param name="BytesFetched">Bytes actually transferred in this run (0 when everything was already verified).</param>
public sealed record HubDownloadResult(string Directory, HubRevision Revision, IReadOnlyList<HubFile> Files, long BytesFetched);
