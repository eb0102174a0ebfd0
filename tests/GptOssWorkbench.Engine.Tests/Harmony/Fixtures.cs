namespace GptOssWorkbench.Engine.Tests.Harmony;

using GptOssWorkbench.Engine.Harmony;

/// <summary>Access to the reference library's expected renderings (Fixtures/, copied from ../shared/fixtures/harmony).</summary>
public static class Fixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Harmony", "Fixtures", name + ".txt");

    /// <summary>The fixture text, right-trimmed as the reference tests read it (a few files end with a newline).</summary>
    public static string Text(string name) => File.ReadAllText(Path(name)).TrimEnd();

    /// <summary>A fixture that lists token ids separated by whitespace.</summary>
    public static int[] Tokens(string name) =>
        File.ReadAllText(Path(name)).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();

    public static HarmonyTokenizer Tokenizer => HarmonyTokenizer.Shared;
}
