namespace GptOssWorkbench.Data.Reviews;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class RatingConfiguration : IEntityTypeConfiguration<Rating>
{
    public void Configure(EntityTypeBuilder<Rating> rating)
    {
        rating.ToTable(table =>
        {
            table.HasCheckConstraint("CK_Ratings_ReasoningScore", "\"ReasoningScore\" IS NULL OR (\"ReasoningScore\" BETWEEN 1 AND 5)");
            table.HasCheckConstraint("CK_Ratings_AnswerScore", "\"AnswerScore\" IS NULL OR (\"AnswerScore\" BETWEEN 1 AND 5)");
        });
        rating.HasOne(r => r.Run).WithMany(r => r.Ratings).HasForeignKey(r => r.RunId).OnDelete(DeleteBehavior.Cascade);
        // Restrict: deleting a reviewer must not silently remove the agreement data their ratings are part of.
        rating.HasOne(r => r.Reviewer).WithMany().HasForeignKey(r => r.ReviewerUserId).OnDelete(DeleteBehavior.Restrict);
        rating.HasIndex(r => new { r.RunId, r.ReviewerUserId }).IsUnique();
        rating.HasIndex(r => new { r.ReviewerUserId, r.CreatedAt });
    }
}
