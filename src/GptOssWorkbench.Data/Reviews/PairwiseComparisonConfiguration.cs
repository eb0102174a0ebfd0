namespace GptOssWorkbench.Data.Reviews;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class PairwiseComparisonConfiguration : IEntityTypeConfiguration<PairwiseComparison>
{
    public void Configure(EntityTypeBuilder<PairwiseComparison> comparison)
    {
        comparison.ToTable(table => table.HasCheckConstraint("CK_PairwiseComparisons_DistinctRuns", "\"RunAId\" <> \"RunBId\""));
        comparison.Property(c => c.Vote).HasMaxLength(16);
        comparison.HasOne(c => c.RunA).WithMany().HasForeignKey(c => c.RunAId).OnDelete(DeleteBehavior.Cascade);
        comparison.HasOne(c => c.RunB).WithMany().HasForeignKey(c => c.RunBId).OnDelete(DeleteBehavior.Cascade);
        comparison.HasOne(c => c.Voter).WithMany().HasForeignKey(c => c.VoterUserId).OnDelete(DeleteBehavior.Restrict);
        comparison.HasIndex(c => c.RunAId);
        comparison.HasIndex(c => c.RunBId);
        comparison.HasIndex(c => new { c.VoterUserId, c.VotedAt });
    }
}
