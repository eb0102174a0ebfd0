namespace GptOssWorkbench.Data.Runs;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class RunConfiguration : IEntityTypeConfiguration<Run>
{
    public void Configure(EntityTypeBuilder<Run> run)
    {
        run.Property(r => r.Status).HasMaxLength(16);
        run.Property(r => r.Source).HasMaxLength(16);
        run.Property(r => r.Version).IsConcurrencyToken();
        run.Property(r => r.FinishReason).HasMaxLength(32);
        run.Property(r => r.WorkerName).HasMaxLength(200);
        run.Property(r => r.JobId).HasMaxLength(100);

        run.OwnsOne(r => r.Manifest, manifest =>
        {
            manifest.Property(m => m.ModelName).HasColumnName("ModelName").HasMaxLength(200);
            manifest.Property(m => m.WeightsFingerprint).HasColumnName("WeightsFingerprint").HasMaxLength(128);
            manifest.Property(m => m.EngineVersion).HasColumnName("EngineVersion").HasMaxLength(100);
            manifest.Property(m => m.Device).HasColumnName("Device").HasMaxLength(100);
            manifest.Property(m => m.Temperature).HasColumnName("Temperature");
            manifest.Property(m => m.TopP).HasColumnName("TopP");
            manifest.Property(m => m.TopK).HasColumnName("TopK");
            manifest.Property(m => m.MinP).HasColumnName("MinP");
            manifest.Property(m => m.RepetitionPenalty).HasColumnName("RepetitionPenalty");
            manifest.Property(m => m.PresencePenalty).HasColumnName("PresencePenalty");
            manifest.Property(m => m.FrequencyPenalty).HasColumnName("FrequencyPenalty");
            manifest.Property(m => m.MaxTokens).HasColumnName("MaxTokens");
            manifest.Property(m => m.StopSequences).HasColumnName("StopSequences");
            manifest.Property(m => m.Seed).HasColumnName("Seed");
            manifest.Property(m => m.Logprobs).HasColumnName("Logprobs");
            manifest.Property(m => m.TopLogprobs).HasColumnName("TopLogprobs");
            manifest.Property(m => m.ReasoningEffort).HasColumnName("ReasoningEffort").HasMaxLength(16);
            manifest.Property(m => m.SystemInstructions).HasColumnName("SystemInstructions");
            manifest.Property(m => m.DeveloperInstructions).HasColumnName("DeveloperInstructions");
            manifest.Property(m => m.ToolsJson).HasColumnName("ToolsJson");
            manifest.Property(m => m.ForcedPrefixTokenIds).HasColumnName("ForcedPrefixTokenIds");
            manifest.Property(m => m.PromptTokenCount).HasColumnName("PromptTokenCount");
            manifest.Property(m => m.PromptTokensSha256).HasColumnName("PromptTokensSha256").HasMaxLength(64);
            // Transcript browser filters: by model, and by model + effort for the effort comparison view.
            manifest.HasIndex(m => new { m.ModelName, m.ReasoningEffort });
        });
        run.Navigation(r => r.Manifest).IsRequired();

        run.HasOne(r => r.Conversation).WithMany(c => c.Runs).HasForeignKey(r => r.ConversationId)
            .OnDelete(DeleteBehavior.Cascade);
        // Deleting a user message deletes the runs that answered it: they are part of that branch.
        run.HasOne(r => r.ReplyToMessage).WithMany().HasForeignKey(r => r.ReplyToMessageId)
            .OnDelete(DeleteBehavior.Cascade);
        run.HasOne(r => r.BatchJob).WithMany(b => b.Runs).HasForeignKey(r => r.BatchJobId)
            .OnDelete(DeleteBehavior.Cascade);
        run.HasOne(r => r.BatchItem).WithOne(i => i.Run).HasForeignKey<Run>(r => r.BatchItemId)
            .OnDelete(DeleteBehavior.Cascade);
        run.HasOne(r => r.CreatedBy).WithMany().HasForeignKey(r => r.CreatedByUserId)
            .OnDelete(DeleteBehavior.SetNull);
        // Deleting the original keeps its replays (they are still runs of their own) but unlinks them.
        run.HasOne(r => r.ReplayOf).WithMany().HasForeignKey(r => r.ReplayOfRunId)
            .OnDelete(DeleteBehavior.SetNull);
        // Likewise a branch outlives its parent, unlinked.
        run.HasOne(r => r.BranchOf).WithMany().HasForeignKey(r => r.BranchOfRunId)
            .OnDelete(DeleteBehavior.SetNull);
        run.Property(r => r.BranchKind).HasMaxLength(16);
        run.HasOne(r => r.Logprobs).WithOne(l => l.Run).HasForeignKey<RunLogprobs>(l => l.RunId)
            .OnDelete(DeleteBehavior.Cascade);

        // Queue depth, recovery on start ("queued or running") and the status filter.
        run.HasIndex(r => new { r.Status, r.CreatedAt });
        // Batch progress (counts by status) and the batch filter.
        run.HasIndex(r => new { r.BatchJobId, r.Status });
        run.HasIndex(r => r.CreatedAt);
        run.HasIndex(r => r.ConversationId);
        run.HasIndex(r => r.ReplyToMessageId);
        run.HasIndex(r => r.CreatedByUserId);
        // The replays of a run (transcript page) and of a batch's runs (batch replay summary).
        run.HasIndex(r => r.ReplayOfRunId);
        // The branches of a run (transcript page).
        run.HasIndex(r => r.BranchOfRunId);
    }
}
