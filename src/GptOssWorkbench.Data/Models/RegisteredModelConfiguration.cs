namespace GptOssWorkbench.Data.Models;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class RegisteredModelConfiguration : IEntityTypeConfiguration<RegisteredModel>
{
    public void Configure(EntityTypeBuilder<RegisteredModel> model)
    {
        model.Property(m => m.Name).HasMaxLength(200);
        model.Property(m => m.FolderPath).HasMaxLength(1000);
        model.Property(m => m.Layout).HasMaxLength(64);
        model.Property(m => m.WeightsFingerprint).HasMaxLength(128);
        model.HasIndex(m => m.Name).IsUnique();
        model.OwnsOne(m => m.Defaults, defaults =>
        {
            defaults.Property(d => d.ReasoningEffort).HasColumnName("DefaultReasoningEffort").HasMaxLength(16);
            defaults.Property(d => d.Temperature).HasColumnName("DefaultTemperature");
            defaults.Property(d => d.TopP).HasColumnName("DefaultTopP");
            defaults.Property(d => d.TopK).HasColumnName("DefaultTopK");
            defaults.Property(d => d.MinP).HasColumnName("DefaultMinP");
            defaults.Property(d => d.MaxTokens).HasColumnName("DefaultMaxTokens");
            defaults.Property(d => d.SystemInstructions).HasColumnName("DefaultSystemInstructions");
        });
        model.Navigation(m => m.Defaults).IsRequired();
        model.HasOne(m => m.CreatedBy).WithMany().HasForeignKey(m => m.CreatedByUserId)
            .OnDelete(DeleteBehavior.SetNull);
    }
}
