namespace GptOssWorkbench.Data.Search;

using GptOssWorkbench.Data.Runs;
using Microsoft.EntityFrameworkCore;

public static class RunSearchExtensions
{
    /// <summary>Runs whose prompt, reasoning or answer contains <paramref name="query"/> (case-insensitive).</summary>
    public static IQueryable<Run> WhereTextContains(this IQueryable<Run> runs, string query)
    {
        if (string.IsNullOrWhiteSpace(query))
            return runs;
        var pattern = SearchNormalizer.LikePattern(query);
        return runs.Where(r => EF.Functions.Like(r.SearchText, pattern, SearchNormalizer.LikeEscape));
    }
}
