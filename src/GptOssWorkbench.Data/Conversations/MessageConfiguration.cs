namespace GptOssWorkbench.Data.Conversations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> message)
    {
        message.Property(m => m.Channel).HasMaxLength(64);
        message.Property(m => m.Recipient).HasMaxLength(200);
        message.Property(m => m.ContentType).HasMaxLength(100);

        message.HasOne(m => m.Conversation).WithMany(c => c.Messages).HasForeignKey(m => m.ConversationId)
            .OnDelete(DeleteBehavior.Cascade);
        message.HasOne(m => m.Run).WithMany(r => r.Messages).HasForeignKey(m => m.RunId)
            .OnDelete(DeleteBehavior.Cascade);
        // Deleting a message deletes the branch below it (that is what "delete from here" means in a chat).
        message.HasOne(m => m.Parent).WithMany(m => m.Children).HasForeignKey(m => m.ParentMessageId)
            .OnDelete(DeleteBehavior.Cascade);

        message.HasIndex(m => new { m.ConversationId, m.Order });
        message.HasIndex(m => new { m.RunId, m.Order });
        message.HasIndex(m => m.ParentMessageId);
    }
}
