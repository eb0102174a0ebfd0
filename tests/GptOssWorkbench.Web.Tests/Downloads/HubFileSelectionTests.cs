namespace GptOssWorkbench.Web.Tests.Downloads;

using GptOssWorkbench.Pipeline.Downloads;

public sealed class HubFileSelectionTests
{
    // The file list of openai/gpt-oss-20b at main (names as the hub lists them).
    private static readonly HubFile[] GptOss20b =
    [
        new(".gitattributes", 1570, null), new("LICENSE", 11357, null), new("README.md", 7095, null),
        new("USAGE_POLICY", 200, null), new("chat_template.jinja", 16738, null), new("config.json", 1806, null),
        new("generation_config.json", 177, null), new("metal/model.bin", 13750886400, "a"),
        new("model-00000-of-00002.safetensors", 4625096640, "b"), new("model-00001-of-00002.safetensors", 4115327592, "c"),
        new("model-00002-of-00002.safetensors", 4092378432, "d"), new("model.safetensors.index.json", 36355, null),
        new("original/config.json", 376, null), new("original/dtypes.json", 13083, null),
        new("original/model.safetensors", 13761300984, "e"), new("special_tokens_map.json", 98, null),
        new("tokenizer.json", 27868174, "f"), new("tokenizer_config.json", 4200, null),
    ];

    [Fact]
    public void The_default_selection_takes_the_top_level_layout_and_leaves_original_and_metal_out()
    {
        var selected = HubFileSelection.Select(GptOss20b, includes: null).Select(f => f.Path).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(
        [
            "chat_template.jinja", "config.json", "generation_config.json", "model-00000-of-00002.safetensors",
            "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json",
            "tokenizer.json", "tokenizer_config.json",
        ], selected);
    }

    [Fact]
    public void A_repo_with_only_the_original_layout_gets_the_original_folder()
    {
        var files = GptOss20b.Where(f => !f.Path.EndsWith(".safetensors", StringComparison.Ordinal) || f.Path.StartsWith("original/", StringComparison.Ordinal)).ToList();

        var selected = HubFileSelection.Select(files, includes: null).Select(f => f.Path).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["original/config.json", "original/dtypes.json", "original/model.safetensors"], selected);
    }

    [Theory]
    [InlineData("*.safetensors", "original/model.safetensors", true)] // fnmatch: * crosses /
    [InlineData("original/*", "original/dtypes.json", true)]
    [InlineData("original/*", "config.json", false)]
    [InlineData("model-0000?-of-00002.safetensors", "model-00001-of-00002.safetensors", true)]
    [InlineData("model-0000[!0]-of-*", "model-00000-of-00002.safetensors", false)]
    [InlineData("config.json", "original/config.json", false)]
    public void Include_patterns_follow_fnmatch(string pattern, string path, bool matches) =>
        Assert.Equal(matches, HubFileSelection.ToRegex(pattern).IsMatch(path));
}
