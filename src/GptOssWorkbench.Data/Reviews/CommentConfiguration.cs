namespace GptOssWorkbench.Data.Reviews;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class CommentConfiguration : IEntityTypeConfiguration<Comment>
{
    public void Configure(EntityTypeBuilder<Comment> comment)
    {
        comment.HasOne(c => c.Run).WithMany(r => r.Comments).HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
        comment.HasOne(c => c.Author).WithMany().HasForeignKey(c => c.AuthorUserId).OnDelete(DeleteBehavior.Restrict);
        comment.HasIndex(c => new { c.RunId, c.CreatedAt });
        comment.HasIndex(c => c.AuthorUserId);
    }
}
