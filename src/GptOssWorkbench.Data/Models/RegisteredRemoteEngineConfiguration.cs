namespace GptOssWorkbench.Data.Models;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class RegisteredRemoteEngineConfiguration : IEntityTypeConfiguration<RegisteredRemoteEngine>
{
    public void Configure(EntityTypeBuilder<RegisteredRemoteEngine> engine)
    {
        engine.Property(e => e.Name).HasMaxLength(200);
        engine.Property(e => e.BaseUrl).HasMaxLength(1000);
        engine.Property(e => e.Model).HasMaxLength(300);
        engine.Property(e => e.Kind).HasMaxLength(32);
        engine.HasIndex(e => e.Name).IsUnique();
        engine.ToTable(t => t.HasCheckConstraint("CK_RegisteredRemoteEngines_MaxConcurrency", "\"MaxConcurrency\" BETWEEN 1 AND 1024"));
        engine.HasOne(e => e.CreatedBy).WithMany().HasForeignKey(e => e.CreatedByUserId).OnDelete(DeleteBehavior.SetNull);
        engine.HasOne(e => e.UpdatedBy).WithMany().HasForeignKey(e => e.UpdatedByUserId).OnDelete(DeleteBehavior.SetNull);
    }
}
