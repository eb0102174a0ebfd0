namespace GptOssWorkbench.Web.Compare;

public enum DiffKind
{
    Same,
    Inserted,
    Deleted,
}

public sealed record DiffPiece(DiffKind Kind, string Text);

/// <summary>
/// Word-level diff of two answers by longest common subsequence. Tokens are words with the whitespace that
/// follows them, so joining the pieces of one side gives that side's text back exactly.
/// </summary>
public static class WordDiff
{
    /// <summary>Above this many tokens per side the O(n·m) table gets expensive; compare whole texts instead.</summary>
    public const int MaxTokens = 4000;

    public static List<DiffPiece> Compare(string before, string after)
    {
        var a = Tokenize(before);
        var b = Tokenize(after);
        if (a.Count > MaxTokens || b.Count > MaxTokens)
            return before == after ? [new(DiffKind.Same, before)] : [new(DiffKind.Deleted, before), new(DiffKind.Inserted, after)];

        // lcs[i, j] = length of the LCS of a[i..] and b[j..]
        var lcs = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
            for (var j = b.Count - 1; j >= 0; j--)
                lcs[i, j] = Same(a[i], b[j]) ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var pieces = new List<DiffPiece>();
        int x = 0, y = 0;
        while (x < a.Count || y < b.Count)
        {
            if (x < a.Count && y < b.Count && Same(a[x], b[y]))
            {
                Add(pieces, DiffKind.Same, b[y]);
                x++;
                y++;
            }
            else if (y < b.Count && (x == a.Count || lcs[x, y + 1] >= lcs[x + 1, y]))
                Add(pieces, DiffKind.Inserted, b[y++]);
            else
                Add(pieces, DiffKind.Deleted, a[x++]);
        }
        return pieces;
    }

    // Words match regardless of the whitespace after them (a line break vs a space is not a content change).
    private static bool Same(string left, string right) => left.TrimEnd() == right.TrimEnd();

    private static void Add(List<DiffPiece> pieces, DiffKind kind, string token)
    {
        if (pieces.Count > 0 && pieces[^1].Kind == kind)
            pieces[^1] = pieces[^1] with { Text = pieces[^1].Text + token };
        else
            pieces.Add(new DiffPiece(kind, token));
    }

    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var start = 0;
        var i = 0;
        // Leading whitespace is its own token so nothing is lost.
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        if (i > 0) { tokens.Add(text[..i]); start = i; }
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            tokens.Add(text[start..i]);
            start = i;
        }
        return tokens;
    }
}
