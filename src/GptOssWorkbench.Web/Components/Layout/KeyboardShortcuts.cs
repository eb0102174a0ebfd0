namespace GptOssWorkbench.Web.Components.Layout;

/// <summary>One documented shortcut: the keys to press together (or a range such as 1–5) and what they do.</summary>
public sealed record Shortcut(IReadOnlyList<string> Keys, string Action);

public sealed record ShortcutGroup(string Where, IReadOnlyList<Shortcut> Shortcuts);

/// <summary>The shortcuts the help popover lists. Keep in step with ChatPage (composer) and ReviewQueue.Interpret.</summary>
public static class KeyboardShortcuts
{
    public static readonly IReadOnlyList<ShortcutGroup> Groups =
    [
        new("Chat", [
            new(["Ctrl", "Enter"], "send the message (⌘ Enter on a Mac); Enter alone starts a new line"),
        ]),
        new("Review queue", [
            new(["1–5"], "rate the reasoning"),
            new(["Shift", "1–5"], "rate the answer"),
            new(["C"], "label correct"),
            new(["H"], "label hallucination"),
            new(["U"], "label unsafe"),
            new(["R"], "label refusal"),
            new(["Enter"], "save and go to the next run"),
            new(["S"], "skip (also →)"),
            new(["T"], "token probabilities on / off (runs that recorded them; stays on for the next runs)"),
        ]),
    ];
}
