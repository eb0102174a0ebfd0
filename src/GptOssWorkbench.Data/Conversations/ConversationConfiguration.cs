namespace GptOssWorkbench.Data.Conversations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> conversation)
    {
        conversation.Property(c => c.Title).HasMaxLength(300);
        conversation.HasOne(c => c.CreatedBy).WithMany().HasForeignKey(c => c.CreatedByUserId)
            .OnDelete(DeleteBehavior.SetNull);
        // The conversation list: newest first, pinned on top, per user.
        conversation.HasIndex(c => new { c.CreatedByUserId, c.IsPinned, c.UpdatedAt });
        conversation.HasIndex(c => c.UpdatedAt);
    }
}
