namespace GptOssWorkbench.Data.Reviews;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class SpanAnnotationConfiguration : IEntityTypeConfiguration<SpanAnnotation>
{
    public void Configure(EntityTypeBuilder<SpanAnnotation> annotation)
    {
        annotation.ToTable(table => table.HasCheckConstraint(
            "CK_SpanAnnotations_Offsets", "\"StartOffset\" >= 0 AND \"EndOffset\" > \"StartOffset\""));
        annotation.HasOne(a => a.Run).WithMany(r => r.Annotations).HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
        annotation.HasOne(a => a.Message).WithMany().HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
        annotation.HasOne(a => a.Author).WithMany().HasForeignKey(a => a.AuthorUserId).OnDelete(DeleteBehavior.Restrict);
        annotation.HasIndex(a => a.RunId);
        annotation.HasIndex(a => a.MessageId);
        annotation.HasIndex(a => a.AuthorUserId);
    }
}
