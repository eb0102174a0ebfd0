namespace GptOssWorkbench.Data.Workers;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class WorkerHeartbeatConfiguration : IEntityTypeConfiguration<WorkerHeartbeat>
{
    public void Configure(EntityTypeBuilder<WorkerHeartbeat> worker)
    {
        worker.Property(w => w.Name).HasMaxLength(200);
        worker.HasIndex(w => w.Name).IsUnique();
        worker.Property(w => w.MachineName).HasMaxLength(200);
        worker.Property(w => w.Device).HasMaxLength(100);
        worker.Property(w => w.Dtype).HasMaxLength(16);
        // Pruning and "who is online" both look at the last report.
        worker.HasIndex(w => w.LastSeenAt);
    }
}
