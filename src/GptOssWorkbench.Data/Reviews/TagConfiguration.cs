namespace GptOssWorkbench.Data.Reviews;

using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class TagConfiguration : IEntityTypeConfiguration<Tag>
{
    public void Configure(EntityTypeBuilder<Tag> tag)
    {
        tag.Property(t => t.Name).HasMaxLength(100);
        tag.HasIndex(t => t.Name).IsUnique();
        tag.HasMany(t => t.Runs).WithMany(r => r.Tags).UsingEntity<Dictionary<string, object>>(
            "RunTags",
            toRun => toRun.HasOne<Run>().WithMany().HasForeignKey("RunId").OnDelete(DeleteBehavior.Cascade),
            toTag => toTag.HasOne<Tag>().WithMany().HasForeignKey("TagId").OnDelete(DeleteBehavior.Cascade),
            join =>
            {
                join.HasKey("RunId", "TagId");
                // The tag filter goes from tag to runs.
                join.HasIndex("TagId");
            });
    }
}
