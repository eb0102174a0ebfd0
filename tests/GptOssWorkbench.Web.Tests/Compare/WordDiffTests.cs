namespace GptOssWorkbench.Web.Tests.Compare;

using GptOssWorkbench.Web.Compare;

public sealed class WordDiffTests
{
    [Fact]
    public void Changed_word_shows_as_deleted_then_inserted_between_unchanged_words()
    {
        var diff = WordDiff.Compare("The capital is Paris.", "The capital is Lyon.");

        Assert.Equal(
            [new DiffPiece(DiffKind.Same, "The capital is "), new DiffPiece(DiffKind.Inserted, "Lyon."), new DiffPiece(DiffKind.Deleted, "Paris.")],
            diff);
    }

    [Fact]
    public void Each_side_can_be_rebuilt_from_the_pieces()
    {
        const string before = "  one two\nthree four five";
        const string after = "one two three  six five\n";
        var diff = WordDiff.Compare(before, after);

        Assert.Equal(before.Replace("\n", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries),
            string.Concat(diff.Where(p => p.Kind != DiffKind.Inserted).Select(p => p.Text)).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(after.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries),
            string.Concat(diff.Where(p => p.Kind != DiffKind.Deleted).Select(p => p.Text)).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["four"], diff.Where(p => p.Kind == DiffKind.Deleted && p.Text.Trim() != "").Select(p => p.Text.Trim()));
        Assert.Equal(["six"], diff.Where(p => p.Kind == DiffKind.Inserted && p.Text.Trim() != "").Select(p => p.Text.Trim()));
    }

    [Fact]
    public void Tokenize_keeps_every_character()
    {
        const string text = "\t a  b\nc ";
        Assert.Equal(["\t ", "a  ", "b\n", "c "], WordDiff.Tokenize(text));
    }
}
