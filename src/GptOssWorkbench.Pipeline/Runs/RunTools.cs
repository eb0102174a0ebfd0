namespace GptOssWorkbench.Pipeline.Runs;

using System.Text.Json.Nodes;
using GptOssWorkbench.Engine.Harmony;

/// <summary>The stored form of a run's function tools: a JSON array of {"name", "description", "parameters"}.</summary>
public static class RunTools
{
    public static IReadOnlyList<ToolDescription> Parse(string? toolsJson)
    {
        if (string.IsNullOrWhiteSpace(toolsJson)) return [];
        return JsonNode.Parse(toolsJson)!.AsArray()
            .Select(t => new ToolDescription(
                t!["name"]!.GetValue<string>(),
                t["description"]?.GetValue<string>() ?? "",
                t["parameters"]?.DeepClone() as JsonObject))
            .ToList();
    }

    public static string Write(IEnumerable<ToolDescription> tools) =>
        new JsonArray(tools.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["description"] = t.Description,
            ["parameters"] = t.Parameters?.DeepClone(),
        }).ToArray()).ToJsonString();
}
