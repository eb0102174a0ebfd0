namespace GptOssWorkbench.Web.Transcripts;

using ColorCode;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;

/// <summary>
/// Renders markdown code blocks with server-side syntax highlighting and a copy button.
/// Why ColorCode (Microsoft's highlighter, MIT, served by our NuGet feed) on the server rather than a JavaScript
/// highlighter in the browser: the HTML is produced once, in C#, where we can test it; ColorCode HTML-encodes every
/// piece of source text and only adds &lt;span class="…"&gt; around tokens, so model text can never become markup;
/// and highlighted blocks need no JS re-run after every Blazor render. Unknown or missing languages fall back to
/// Markdig's plain escaped text.
/// </summary>
public sealed class HighlightedCodeBlockRenderer : HtmlObjectRenderer<CodeBlock>
{
    private readonly HtmlClassFormatter _formatter = new();

    protected override void Write(HtmlRenderer renderer, CodeBlock block)
    {
        var code = block.Lines.ToString();
        var info = (block as FencedCodeBlock)?.Info?.Trim();
        var language = string.IsNullOrEmpty(info) ? null : Languages.FindById(info.ToLowerInvariant());

        renderer.EnsureLine();
        // The copy button is our own markup; wwwroot/js/workbench.js copies the text of the block's <code> element.
        renderer.Write("<div class=\"code-block\"><button type=\"button\" class=\"code-copy\" aria-label=\"Copy code\" title=\"Copy code\">Copy</button>");
        renderer.Write("<pre><code");
        if (!string.IsNullOrEmpty(info))
            renderer.Write(" class=\"language-").WriteEscape(info).Write('"');
        renderer.Write('>');
        if (language is not null && Highlight(code, language) is { } highlighted)
            renderer.Write(highlighted);
        else
            renderer.WriteEscape(code);
        renderer.Write("</code></pre></div>");
        renderer.EnsureLine();
    }

    /// <summary>ColorCode's token spans without its own &lt;div&gt;&lt;pre&gt; wrapper (we write ours), or null if the shape is unexpected.</summary>
    private string? Highlight(string code, ILanguage language)
    {
        var html = _formatter.GetHtmlString(code, language);
        var prefix = $"<div class=\"{language.CssClassName}\"><pre>";
        const string suffix = "</pre></div>";
        html = html.Trim();
        if (!html.StartsWith(prefix, StringComparison.Ordinal) || !html.EndsWith(suffix, StringComparison.Ordinal))
            return null;
        return html[prefix.Length..^suffix.Length].Trim('\r', '\n');
    }
}
