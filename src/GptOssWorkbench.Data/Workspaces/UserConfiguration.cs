namespace GptOssWorkbench.Data.Workspaces;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

/// <summary>Applied after Identity's own mapping (see WorkbenchDbContext), so these settings win.</summary>
public class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.ToTable("Users");
        user.Property(u => u.Id).HasMaxLength(64);
        user.Property(u => u.Name).HasMaxLength(200);
        user.Property(u => u.Email).HasMaxLength(320);
        user.Property(u => u.NormalizedEmail).HasMaxLength(320);
        user.Property(u => u.Role).HasMaxLength(32);
        user.HasIndex(u => u.Email).IsUnique();
    }
}
