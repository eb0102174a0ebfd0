namespace GptOssWorkbench.Data.Audit;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entry)
    {
        entry.ToTable("AuditLog");
        entry.Property(e => e.Action).HasMaxLength(64);
        entry.Property(e => e.ActorId).HasMaxLength(450);
        entry.Property(e => e.Actor).HasMaxLength(256);
        entry.Property(e => e.RemoteAddress).HasMaxLength(64);
        entry.Property(e => e.Target).HasMaxLength(300);
        entry.Property(e => e.Details).HasMaxLength(2000);
        // No foreign key to Users: the log outlives the accounts it names.
        entry.HasIndex(e => e.At);
        entry.HasIndex(e => new { e.Action, e.At });
    }
}
