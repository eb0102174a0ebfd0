namespace GptOssWorkbench.Data.Workspaces;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.Property(k => k.Name).HasMaxLength(200);
        key.Property(k => k.Prefix).HasMaxLength(32);
        key.Property(k => k.KeyHash).HasMaxLength(64);
        key.HasIndex(k => k.Prefix).IsUnique();
        // A user's keys go with the user: they authenticate as that user and nobody else.
        key.HasOne(k => k.User).WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        key.HasIndex(k => k.UserId);
    }
}
