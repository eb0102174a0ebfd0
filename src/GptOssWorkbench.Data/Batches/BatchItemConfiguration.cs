namespace GptOssWorkbench.Data.Batches;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class BatchItemConfiguration : IEntityTypeConfiguration<BatchItem>
{
    public void Configure(EntityTypeBuilder<BatchItem> item)
    {
        item.Property(i => i.ExternalId).HasMaxLength(200);
        item.Property(i => i.ModelName).HasMaxLength(200);
        item.Property(i => i.ReasoningEffort).HasMaxLength(16);
        item.HasOne(i => i.BatchJob).WithMany(b => b.Items).HasForeignKey(i => i.BatchJobId).OnDelete(DeleteBehavior.Cascade);
        item.HasIndex(i => new { i.BatchJobId, i.Order }).IsUnique();
        item.HasIndex(i => new { i.BatchJobId, i.ModelName });
    }
}
