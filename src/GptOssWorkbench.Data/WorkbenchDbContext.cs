namespace GptOssWorkbench.Data;

using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workers;
using GptOssWorkbench.Data.Workspaces;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// The workbench's single EF Core model: users (ASP.NET Core Identity, without its role tables: see
/// <see cref="User.Role"/>), conversations, runs, batches, reviews; and the Data Protection key ring, so the web app and
/// every worker process decrypt the same secrets (remote engine keys) and sign-in cookies survive restarts.
/// </summary>
public class WorkbenchDbContext(DbContextOptions<WorkbenchDbContext> options) : IdentityUserContext<User>(options), IDataProtectionKeyContext
{
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<RunLogprobs> RunLogprobs => Set<RunLogprobs>();
    public DbSet<BatchJob> BatchJobs => Set<BatchJob>();
    public DbSet<BatchItem> BatchItems => Set<BatchItem>();
    public DbSet<Rating> Ratings => Set<Rating>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<Tag> Tags => Set<Tag>();
    public DbSet<SpanAnnotation> SpanAnnotations => Set<SpanAnnotation>();
    public DbSet<RunFlag> RunFlags => Set<RunFlag>();
    public DbSet<PairwiseComparison> PairwiseComparisons => Set<PairwiseComparison>();
    public DbSet<RegisteredModel> RegisteredModels => Set<RegisteredModel>();
    public DbSet<ModelDownload> ModelDownloads => Set<ModelDownload>();
    public DbSet<RegisteredRemoteEngine> RegisteredRemoteEngines => Set<RegisteredRemoteEngine>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<WorkerHeartbeat> WorkerHeartbeats => Set<WorkerHeartbeat>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<RoleReasoningPolicy> ReasoningPolicies => Set<RoleReasoningPolicy>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Identity's mapping first, so our configurations (table names, lengths) override it.
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<IdentityUserClaim<string>>().ToTable("UserClaims");
        modelBuilder.Entity<IdentityUserLogin<string>>().ToTable("UserLogins");
        modelBuilder.Entity<IdentityUserToken<string>>().ToTable("UserTokens");
        // Each entity keeps its mapping next to it (IEntityTypeConfiguration<T>).
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(WorkbenchDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums as their names: the database stays readable and reordering an enum cannot corrupt rows.
        configurationBuilder.Properties<RunStatus>().HaveConversion<string>();
        configurationBuilder.Properties<RunSource>().HaveConversion<string>();
        configurationBuilder.Properties<BranchKind>().HaveConversion<string>();
        configurationBuilder.Properties<ReasoningEffort>().HaveConversion<string>();
        configurationBuilder.Properties<BatchStatus>().HaveConversion<string>();
        configurationBuilder.Properties<MessageRole>().HaveConversion<string>();
        configurationBuilder.Properties<ComparisonVote>().HaveConversion<string>();
        configurationBuilder.Properties<RunFlagKind>().HaveConversion<string>();
        // All times are UTC DateTime (not DateTimeOffset: SQLite cannot ORDER BY those). SQLite hands them
        // back as Kind=Unspecified and Npgsql refuses to write that to timestamptz, so pin Kind=Utc both ways.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RefuseAuditEdits();
        StampRuns();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RefuseAuditEdits();
        StampRuns();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>The audit log is append-only: a record that could be edited from the app would prove nothing.</summary>
    private void RefuseAuditEdits()
    {
        ChangeTracker.DetectChanges();
        if (ChangeTracker.Entries<AuditEntry>().Any(e => e.State is EntityState.Modified or EntityState.Deleted))
            throw new InvalidOperationException("The audit log is append-only: its entries cannot be changed or deleted.");
    }

    /// <summary>
    /// Bumps the concurrency token of every modified run (SQLite has no rowversion), and refreshes the
    /// search text of runs whose prompt or output messages changed, so no writer can forget either.
    /// </summary>
    private void StampRuns()
    {
        ChangeTracker.DetectChanges();
        var changedRunIds = ChangeTracker.Entries<Message>()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            .Select(e => e.Entity.Run?.Id ?? e.Entity.RunId ?? e.OriginalValues.GetValue<long?>(nameof(Message.RunId)))
            .Where(id => id is > 0)
            .Select(id => id!.Value)
            .ToHashSet();
        // New runs (whose messages carry no run id yet) and modified runs, plus runs whose output changed.
        var runs = ChangeTracker.Entries<Run>()
            .Where(e => e.State is EntityState.Added or EntityState.Modified)
            .Select(e => e.Entity)
            .Concat(changedRunIds.Select(id => Runs.Find(id)).OfType<Run>())
            .Distinct()
            .ToList();

        foreach (var run in runs)
        {
            var entry = Entry(run);
            if (entry.State == EntityState.Deleted)
                continue;
            if (entry.State != EntityState.Added && !entry.Collection(r => r.Messages).IsLoaded)
                entry.Collection(r => r.Messages).Load();
            run.RefreshSearchText(run.Messages.Where(m => Entry(m).State != EntityState.Deleted));
            if (entry.State != EntityState.Added)
                run.Version = entry.OriginalValues.GetValue<int>(nameof(Run.Version)) + 1;
        }
    }
}
