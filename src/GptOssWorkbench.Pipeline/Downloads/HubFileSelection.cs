namespace GptOssWorkbench.Pipeline.Downloads;

using System.Text;
using System.Text.RegularExpressions;

/// <summary>
/// Which files of a repo to fetch. By default only what the engine needs from the top-level HF layout (config,
/// safetensors + index, tokenizer, generation config, chat template); `original/` only when the repo has no top-level
/// safetensors. Explicit --include patterns REPLACE the defaults (as huggingface-cli's --include does), so
/// `--include 'original/*'` fetches only the original layout instead of both (~13 GB more on gpt-oss-20b).
/// Patterns use fnmatch semantics like huggingface_hub: `*` also matches `/`, `?` one character, `[abc]` a set.
/// </summary>
public static class HubFileSelection
{
    public static readonly IReadOnlyList<string> DefaultPatterns =
    [
        "config.json", "*.safetensors", "model.safetensors.index.json", "tokenizer*.json", "tokenizer.model",
        "generation_config.json", "chat_template*",
    ];

    public static IReadOnlyList<HubFile> Select(IReadOnlyList<HubFile> files, IReadOnlyList<string>? includes)
    {
        if (includes is { Count: > 0 })
        {
            var patterns = includes.Select(ToRegex).ToList();
            return files.Where(f => patterns.Any(p => p.IsMatch(f.Path))).ToList();
        }
        var defaults = DefaultPatterns.Select(ToRegex).ToList();
        var topLevel = files.Where(f => !f.Path.Contains('/') && defaults.Any(p => p.IsMatch(f.Path))).ToList();
        if (topLevel.Any(f => f.Path.EndsWith(".safetensors", StringComparison.Ordinal))) return topLevel;
        // No top-level weights: the repo ships only the original layout, which is complete in its own folder.
        var original = ToRegex("original/*");
        return files.Where(f => original.IsMatch(f.Path)).ToList();
    }

    /// <summary>fnmatch → regex, anchored; `*` crosses `/` on purpose (huggingface_hub's semantics).</summary>
    public static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': regex.Append(".*"); break;
                case '?': regex.Append('.'); break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) { regex.Append(@"\["); break; }
                    var set = pattern[(i + 1)..end];
                    if (set.StartsWith('!')) set = "^" + set[1..];
                    regex.Append('[').Append(set.Replace(@"\", @"\\")).Append(']');
                    i = end;
                    break;
                default: regex.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
