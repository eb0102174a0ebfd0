namespace GptOssWorkbench.Data.Models;

/// <summary>
/// One request to download a model from the Hugging Face hub (the Models page's "Download a model"), and its
/// progress as the download job last wrote it: the page reads this row, so a reload (or another admin) sees the same bar.
/// </summary>
public class ModelDownload
{
    public long Id { get; set; }

    /// <summary>Hub repo id, e.g. openai/gpt-oss-20b.</summary>
    public string Repo { get; set; } = "";

    /// <summary>Branch, tag or commit as requested.</summary>
    public string Revision { get; set; } = "main";

    /// <summary>The commit the revision resolved to (all files are fetched at it), once listed.</summary>
    public string? Commit { get; set; }

    /// <summary>fnmatch patterns, one per line; null = the engine's default selection.</summary>
    public string? IncludePatterns { get; set; }

    public ModelDownloadStatus Status { get; set; } = ModelDownloadStatus.Queued;

    public long BytesDone { get; set; }
    public long BytesTotal { get; set; }
    public double BytesPerSecond { get; set; }
    public int FilesDone { get; set; }
    public int FilesTotal { get; set; }

    /// <summary>Why it failed, in words for the user (the hub's error, the disk space, the checkpoint problem).</summary>
    public string? Error { get; set; }

    /// <summary>Where the model folder is placed (it appears there only when complete).</summary>
    public string TargetFolder { get; set; } = "";

    /// <summary>The name it was registered under, when completed.</summary>
    public string? ModelName { get; set; }

    /// <summary>Set by the Cancel button (with ExecuteUpdate, so it never races the job's progress saves); the job polls it.</summary>
    public bool CancellationRequested { get; set; }

    public string? JobId { get; set; }

    public string? RequestedByUserId { get; set; }

    /// <summary>The requester's email at the time, copied for the audit entry the job writes when the model is added.</summary>
    public string RequestedBy { get; set; } = "";

    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>The statuses of a download still under way (at most one per repo and revision, see ModelDownloadConfiguration).</summary>
    public static readonly ModelDownloadStatus[] ActiveStatuses = [ModelDownloadStatus.Queued, ModelDownloadStatus.Downloading, ModelDownloadStatus.Verifying];

    public bool IsActive => ActiveStatuses.Contains(Status);
}

public enum ModelDownloadStatus
{
    Queued,
    Downloading,
    Verifying,
    Completed,
    Failed,
    Cancelled,
}
