namespace GptOssWorkbench.Data.Models;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class ModelDownloadConfiguration : IEntityTypeConfiguration<ModelDownload>
{
    /// <summary>
    /// At most one active download per repo and revision, enforced by the database too: two admins clicking at the same
    /// moment both pass the service's check, and only one insert may win. Same SQL on SQLite and PostgreSQL (both have
    /// partial indexes; the status is stored as its name).
    /// </summary>
    public const string ActiveFilter = "\"Status\" IN ('Queued', 'Downloading', 'Verifying')";

    public void Configure(EntityTypeBuilder<ModelDownload> download)
    {
        download.Property(d => d.Repo).HasMaxLength(200);
        download.Property(d => d.Revision).HasMaxLength(200);
        download.Property(d => d.Commit).HasMaxLength(64);
        download.Property(d => d.IncludePatterns).HasMaxLength(2000);
        download.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        download.Property(d => d.Error).HasMaxLength(2000);
        download.Property(d => d.TargetFolder).HasMaxLength(1000);
        download.Property(d => d.ModelName).HasMaxLength(200);
        download.Property(d => d.JobId).HasMaxLength(64);
        download.Property(d => d.RequestedBy).HasMaxLength(256);
        download.Ignore(d => d.IsActive);
        download.HasIndex(d => new { d.Repo, d.Revision }).IsUnique().HasFilter(ActiveFilter).HasDatabaseName("IX_ModelDownloads_Active");
        download.HasIndex(d => d.CreatedAt);
        download.HasOne<Workspaces.User>().WithMany().HasForeignKey(d => d.RequestedByUserId).OnDelete(DeleteBehavior.SetNull);
    }
}
