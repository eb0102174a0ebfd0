namespace GptOssWorkbench.Web.Compare;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

public sealed record PromptChoice(string Prompt, int Runs);

/// <summary>Runs that answered the same prompt, for side-by-side and effort views.</summary>
public static class PromptRuns
{
    public static async Task<List<PromptChoice>> PromptsWithSeveralRunsAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, int limit = 200)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Runs.Where(r => r.Status == RunStatus.Succeeded)
            .GroupBy(r => r.PromptText)
            .Where(g => g.Count() >= 2)
            .Select(g => new PromptChoice(g.Key, g.Count()))
            .OrderByDescending(p => p.Runs)
            .Take(limit)
            .ToListAsync();
    }

    public static async Task<List<Run>> LoadAsync(IDbContextFactory<WorkbenchDbContext> dbFactory, string prompt)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var runs = await db.Runs.AsNoTracking().Include(r => r.Messages)
            .Where(r => r.Status == RunStatus.Succeeded && r.PromptText == prompt)
            .OrderBy(r => r.Manifest.ModelName).ThenBy(r => r.Manifest.ReasoningEffort).ThenBy(r => r.Id)
            .ToListAsync();
        return runs;
    }
}
