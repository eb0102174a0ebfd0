namespace GptOssWorkbench.Data.Reviews;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class RunFlagConfiguration : IEntityTypeConfiguration<RunFlag>
{
    public void Configure(EntityTypeBuilder<RunFlag> flag)
    {
        flag.ToTable("RunFlags");
        // The run is the key: at most one current flag per run (see RunFlag).
        flag.HasKey(f => f.RunId);
        flag.Property(f => f.Kind).HasMaxLength(16);
        flag.Property(f => f.Note).HasMaxLength(RunFlag.MaxNoteLength);
        flag.HasOne(f => f.Run).WithOne(r => r.Flag).HasForeignKey<RunFlag>(f => f.RunId).OnDelete(DeleteBehavior.Cascade);
        // Restrict, as for ratings: removing an account must not silently lift the flags it set.
        flag.HasOne(f => f.FlaggedBy).WithMany().HasForeignKey(f => f.FlaggedByUserId).OnDelete(DeleteBehavior.Restrict);
        flag.HasIndex(f => f.FlaggedByUserId);
    }
}
