namespace GptOssWorkbench.Data.Search;

using System.Text;

/// <summary>
/// Full-text-ish search that behaves the same on SQLite and PostgreSQL: each run keeps a
/// <c>SearchText</c> column holding its prompt and output normalized here (NFKC, lower-case invariant,
/// whitespace collapsed), and a query is normalized the same way and matched with LIKE '%…%'.
/// Why not FTS5 / tsvector: they differ per provider (tokenizers, ranking, migrations), and LIKE over one
/// column is predictable and exact for code and identifiers. Cost: a scan of that column per search, fine
/// for tens of thousands of runs; PostgreSQL can later add a pg_trgm GIN index on it without code changes.
/// </summary>
public static class SearchNormalizer
{
    public static string Normalize(string text)
    {
        var normalized = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        var builder = new StringBuilder(normalized.Length);
        var lastWasSpace = false;
        foreach (var c in normalized)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace && builder.Length > 0)
                    builder.Append(' ');
                lastWasSpace = true;
            }
            else
            {
                builder.Append(c);
                lastWasSpace = false;
            }
        }
        return builder.ToString().TrimEnd();
    }

    /// <summary>The LIKE pattern for a user query, with LIKE's wildcards escaped by <see cref="LikeEscape"/>.</summary>
    public static string LikePattern(string query)
    {
        var escaped = Normalize(query)
            .Replace(LikeEscape, LikeEscape + LikeEscape)
            .Replace("%", LikeEscape + "%")
            .Replace("_", LikeEscape + "_");
        return "%" + escaped + "%";
    }

    public const string LikeEscape = "\\";
}
