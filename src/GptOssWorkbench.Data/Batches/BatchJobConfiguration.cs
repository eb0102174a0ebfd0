namespace GptOssWorkbench.Data.Batches;

using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class BatchJobConfiguration : IEntityTypeConfiguration<BatchJob>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public void Configure(EntityTypeBuilder<BatchJob> batch)
    {
        batch.Property(b => b.Name).HasMaxLength(300);
        batch.Property(b => b.SourceFileName).HasMaxLength(300);
        batch.Property(b => b.Status).HasMaxLength(16);
        // The matrix is only ever read whole, so one JSON text column (same on SQLite and PostgreSQL).
        batch.Property(b => b.Matrix)
            .HasConversion(
                matrix => JsonSerializer.Serialize(matrix, Json),
                json => JsonSerializer.Deserialize<BatchMatrix>(json, Json) ?? new BatchMatrix(),
                new ValueComparer<BatchMatrix>(
                    (a, b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json),
                    matrix => JsonSerializer.Serialize(matrix, Json).GetHashCode(),
                    matrix => JsonSerializer.Deserialize<BatchMatrix>(JsonSerializer.Serialize(matrix, Json), Json)!));
        batch.HasOne(b => b.CreatedBy).WithMany().HasForeignKey(b => b.CreatedByUserId).OnDelete(DeleteBehavior.SetNull);
        batch.HasIndex(b => b.CreatedAt);
        batch.HasIndex(b => b.Status);
    }
}
