namespace GptOssWorkbench.Data;

using Microsoft.EntityFrameworkCore;

/// <summary>The workbench's single EF Core model: conversations, runs, batches, reviews.</summary>
public class WorkbenchDbContext(DbContextOptions<WorkbenchDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Each entity keeps its mapping next to it (IEntityTypeConfiguration<T>).
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(WorkbenchDbContext).Assembly);
    }
}
