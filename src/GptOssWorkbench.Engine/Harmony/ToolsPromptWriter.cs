namespace GptOssWorkbench.Engine.Harmony;

using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// Writes tool namespaces as the "# Tools" prompt section, with JSON-Schema parameters in harmony's TypeScript-like
/// syntax. The model was trained on the reference renderer's exact layout, so this follows it character for character
/// (including its quirks, e.g. string defaults quoted except for enums, oneOf alternatives on " | " lines).
/// </summary>
public static class ToolsPromptWriter
{
    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ToolsSection(IEnumerable<ToolNamespace> namespaces)
    {
        var sections = new List<string> { "# Tools" };
        // The reference keeps namespaces in a sorted map, so they render ordered by name.
        foreach (var ns in namespaces.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var lines = new List<string> { $"## {ns.Name}\n" };
            if (ns.Description is not null)
            {
                // A namespace with typed tools gets its description as comments; a free-form one (python) as plain text.
                lines.AddRange(Lines(ns.Description).Select(l => ns.Tools.Count > 0 ? $"// {l}" : l));
            }
            if (ns.Tools.Count > 0)
            {
                lines.Add($"namespace {ns.Name} {{\n");
                foreach (var tool in ns.Tools)
                {
                    lines.AddRange(Lines(tool.Description).Select(l => $"// {l}"));
                    lines.Add(tool.Parameters is null
                        ? $"type {tool.Name} = () => any;\n"
                        : $"type {tool.Name} = (_: {TypeOf(tool.Parameters, "")}) => any;\n");
                }
                lines.Add($"}} // namespace {ns.Name}");
            }
            sections.Add(string.Join("\n", lines));
        }
        return string.Join("\n\n", sections);
    }

    /// <summary>The TypeScript-like type of a JSON schema.</summary>
    public static string TypeOf(JsonNode? schema, string indent)
    {
        if (schema is not JsonObject obj) return "any";

        if (obj["oneOf"] is JsonArray alternatives)
        {
            var sb = new StringBuilder();
            foreach (var alternative in alternatives)
            {
                sb.Append('\n').Append(indent).Append(" | ").Append(WithNull(alternative, TypeOf(alternative, indent + "   ")));
                var comments = new List<string>();
                if (Str(alternative, "description") is { } description) comments.Add(description);
                if (alternative?["default"] is { } def)
                {
                    comments.Add(def.GetValueKind() == JsonValueKind.String && !IsEnum(alternative)
                        ? $"default: \"{def.GetValue<string>()}\""
                        : $"default: {Json(def)}");
                }
                if (comments.Count > 0) sb.Append(" // ").Append(string.Join(" ", comments));
            }
            return sb.ToString();
        }

        if (obj["type"] is JsonArray typeList)
        {
            var names = typeList.Where(t => t?.GetValueKind() == JsonValueKind.String)
                .Select(t => t!.GetValue<string>() == "integer" ? "number" : t!.GetValue<string>()).ToList();
            if (names.Count > 0) return string.Join(" | ", names);
        }

        return Str(obj, "type") switch
        {
            "object" => ObjectType(obj, indent),
            "string" when obj["enum"] is JsonArray values && values.Any(v => v?.GetValueKind() == JsonValueKind.String) =>
                string.Join(" | ", values.Where(v => v?.GetValueKind() == JsonValueKind.String).Select(v => $"\"{v!.GetValue<string>()}\"")),
            "string" => "string",
            "number" or "integer" => "number",
            "boolean" => "boolean",
            "array" => obj["items"] is { } items ? TypeOf(items, indent) + "[]" : "Array<any>",
            _ => "any",
        };
    }

    private static string ObjectType(JsonObject schema, string indent)
    {
        var sb = new StringBuilder();
        if (Str(schema, "description") is { } description) sb.Append($"{indent}// {description}\n");
        sb.Append("{\n");
        var required = (schema["required"] as JsonArray)?.Where(r => r?.GetValueKind() == JsonValueKind.String)
            .Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                var optional = required.Contains(name) ? "" : "?";
                if (Str(property, "title") is { } title) sb.Append($"{indent}// {title}\n{indent}//\n");
                var alternatives = property?["oneOf"] as JsonArray;
                if (alternatives is null && Str(property, "description") is { } propertyDescription)
                {
                    sb.Append($"{indent}// {propertyDescription}\n");
                }
                if (property?["examples"] is JsonArray { Count: > 0 } examples)
                {
                    sb.Append($"{indent}// Examples:\n");
                    foreach (var example in examples.Where(e => e?.GetValueKind() == JsonValueKind.String))
                    {
                        sb.Append($"{indent}// - \"{example!.GetValue<string>()}\"\n");
                    }
                }
                if (alternatives is not null)
                {
                    AppendOneOfProperty(sb, name, optional, property!, alternatives, indent);
                    continue;
                }
                sb.Append($"{indent}{name}{optional}: ");
                sb.Append(WithNull(property, TypeOf(property, indent + "    "))).Append(',');
                if (property?["default"] is { } def) sb.Append(" // ").Append(DefaultComment(def, property));
                sb.Append('\n');
            }
        }
        sb.Append(indent).Append('}');
        return sb.ToString();
    }

    private static void AppendOneOfProperty(StringBuilder sb, string name, string optional, JsonNode property,
        JsonArray alternatives, string indent)
    {
        // The property description goes above, unless the first alternative repeats it (then it trails that one).
        var propertyDescription = Str(property, "description");
        var describedAbove = propertyDescription is not null && propertyDescription != Str(alternatives.FirstOrDefault(), "description");
        if (describedAbove) sb.Append($"{indent}// {propertyDescription}\n");
        if (property["default"] is { } def) sb.Append($"{indent}// {DefaultComment(def, property)}\n");
        sb.Append($"{indent}{name}{optional}:\n");
        for (var i = 0; i < alternatives.Count; i++)
        {
            var alternative = alternatives[i];
            sb.Append($"{indent} | ").Append(WithNull(alternative, TypeOf(alternative, indent + "   ")));
            var comments = new List<string>();
            if (!(i == 0 && describedAbove) && Str(alternative, "description") is { } description && description != propertyDescription)
            {
                comments.Add(description);
            }
            if (alternative?["default"] is { } alternativeDefault) comments.Add(DefaultComment(alternativeDefault, alternative));
            if (comments.Count > 0) sb.Append(" // ").Append(string.Join(" ", comments));
            sb.Append('\n');
        }
        sb.Append($"{indent},\n");
    }

    // String defaults are quoted, except for enums whose values are already shown quoted in the type.
    private static string DefaultComment(JsonNode value, JsonNode? schema) => value.GetValueKind() == JsonValueKind.String
        ? IsEnum(schema) ? $"default: {value.GetValue<string>()}" : $"default: \"{value.GetValue<string>()}\""
        : $"default: {Json(value)}";

    private static string WithNull(JsonNode? schema, string type) =>
        schema?["nullable"] is JsonValue n && n.GetValueKind() == JsonValueKind.True && !type.Contains("null") ? type + " | null" : type;

    private static bool IsEnum(JsonNode? schema) => schema?["enum"] is JsonArray { Count: > 0 };

    private static string? Str(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static string Json(JsonNode node) => node.ToJsonString(CompactJson);

    /// <summary>Lines as Rust's str::lines gives them: no trailing empty line, "\r\n" accepted.</summary>
    private static IEnumerable<string> Lines(string text)
    {
        if (text.Length == 0) yield break;
        var parts = text.Split('\n');
        var count = parts[^1].Length == 0 ? parts.Length - 1 : parts.Length;
        for (var i = 0; i < count; i++) yield return parts[i].TrimEnd('\r');
    }
}
