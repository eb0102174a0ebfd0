namespace GptOssWorkbench.Pipeline.Downloads;

/// <summary>One file of a hub revision as listed by the revision API with ?blobs=true.</summary>
/// <param name="Sha256">The LFS sha256 (lower-case hex), null for a plain git file, which is verified by size.</param>
public sealed record HubFile(string Path, long Size, string? Sha256);

/// <summary>A revision resolved to its commit: every file is downloaded at <see cref="Commit"/> so a push during a long download cannot mix two revisions.</summary>
public sealed record HubRevision(string Repo, string Revision, string Commit, IReadOnlyList<HubFile> Files);
