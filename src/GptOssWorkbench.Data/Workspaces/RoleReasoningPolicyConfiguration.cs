namespace GptOssWorkbench.Data.Workspaces;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class RoleReasoningPolicyConfiguration : IEntityTypeConfiguration<RoleReasoningPolicy>
{
    public void Configure(EntityTypeBuilder<RoleReasoningPolicy> policy)
    {
        policy.ToTable("ReasoningPolicies");
        policy.HasKey(p => p.Role);
        policy.Property(p => p.Role).HasMaxLength(32);
        policy.Property(p => p.Visibility).HasConversion<string>().HasMaxLength(16);
    }
}
