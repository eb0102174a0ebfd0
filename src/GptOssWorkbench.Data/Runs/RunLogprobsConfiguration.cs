namespace GptOssWorkbench.Data.Runs;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

public class RunLogprobsConfiguration : IEntityTypeConfiguration<RunLogprobs>
{
    public void Configure(EntityTypeBuilder<RunLogprobs> logprobs)
    {
        logprobs.HasKey(l => l.RunId);
        logprobs.Property(l => l.RunId).ValueGeneratedNever();
    }
}
