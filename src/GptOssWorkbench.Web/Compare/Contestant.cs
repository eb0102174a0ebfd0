namespace GptOssWorkbench.Web.Compare;

using GptOssWorkbench.Data.Runs;

/// <summary>What the leaderboard ranks: a model at a setting (effort, and temperature when not the default 1).</summary>
public static class Contestant
{
    public static string Label(string model, ReasoningEffort effort, double temperature) =>
        temperature == 1.0
            ? $"{model} · {effort.ToString().ToLowerInvariant()}"
            : $"{model} · {effort.ToString().ToLowerInvariant()} · T{temperature:0.##}";

    public static string Label(RunManifest manifest) => Label(manifest.ModelName, manifest.ReasoningEffort, manifest.Temperature);
}
