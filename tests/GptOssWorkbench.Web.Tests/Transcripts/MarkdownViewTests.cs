namespace GptOssWorkbench.Web.Tests.Transcripts;

using Bunit;
using GptOssWorkbench.Web.Transcripts;

public sealed class MarkdownViewTests : WorkbenchComponentTest
{
    [Fact]
    public void Fenced_code_is_highlighted_by_language_keeps_its_exact_text_and_gets_a_copy_button()
    {
        const string source = "var total = \"sum\"; // add them\nreturn 42;";
        var cut = Render<MarkdownView>(p => p.Add(c => c.Text, "Here:\n\n```csharp\n" + source + "\n```\n"));

        var block = cut.Find(".code-block");
        Assert.Equal(source, block.QuerySelector("code")!.TextContent);
        Assert.Equal("language-csharp", block.QuerySelector("code")!.GetAttribute("class"));
        Assert.Equal(["var", "return"], block.QuerySelectorAll(".keyword").Select(e => e.TextContent));
        Assert.Equal("\"sum\"", block.QuerySelector(".string")!.TextContent);
        Assert.Equal("// add them", block.QuerySelector(".comment")!.TextContent);
        Assert.Equal("Copy code", block.QuerySelector("button.code-copy")!.GetAttribute("aria-label"));
    }

    [Fact]
    public void Unknown_or_missing_language_shows_plain_code_without_token_spans()
    {
        var cut = Render<MarkdownView>(p => p.Add(c => c.Text, "```brainfuck\n+++[>+<-]\n```\n\n```\nplain <b>x</b>\n```"));

        var codes = cut.FindAll(".code-block code");
        Assert.Equal(["+++[>+<-]", "plain <b>x</b>"], codes.Select(c => c.TextContent));
        Assert.Empty(cut.FindAll(".code-block span"));
        Assert.Empty(cut.FindAll("b"));
        Assert.Equal(2, cut.FindAll("button.code-copy").Count);
    }

    [Theory]
    [InlineData("html")]
    [InlineData("javascript")]
    [InlineData("xml")]
    [InlineData("markdown")]
    [InlineData("\"><script>alert(1)</script>")]
    public void Script_and_markup_inside_code_blocks_stay_text_in_every_language(string language)
    {
        const string attack = "<script>alert('x')</script><img src=x onerror=alert(1)><b>bold</b>";
        var cut = Render<MarkdownView>(p => p.Add(c => c.Text, $"```{language}\n{attack}\n```"));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Empty(cut.FindAll("b"));
        Assert.Empty(cut.FindAll("[onerror]"));
        Assert.Equal(attack, cut.Find(".code-block code").TextContent);
        // Only our own elements and ColorCode's class-only token spans appear.
        Assert.All(cut.FindAll(".code-block *"), e => Assert.Contains(e.TagName.ToLowerInvariant(), new[] { "button", "pre", "code", "span" }));
        Assert.All(cut.FindAll(".code-block span"), e => Assert.Equal(["class"], e.Attributes.Select(a => a.Name)));
    }
}
