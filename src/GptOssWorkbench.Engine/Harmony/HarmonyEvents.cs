namespace GptOssWorkbench.Engine.Harmony;

/// <summary>What the streaming parser reports while it is fed tokens.</summary>
public abstract record HarmonyEvent;

/// <summary>A message header is complete; content follows.</summary>
public sealed record MessageStarted(Author Author, string? Channel, string? Recipient, string? ContentType) : HarmonyEvent;

/// <summary>New content text of the current message (never a partial UTF-8 character).</summary>
public sealed record ContentDelta(string Text) : HarmonyEvent;

/// <summary>A message is finished. <see cref="Incomplete"/>: the stream ended before its terminator.</summary>
public sealed record MessageEnded(HarmonyMessage Message, bool Incomplete) : HarmonyEvent;

/// <summary>An assistant message addressed to a tool ended with <c>&lt;|call|&gt;</c>: run the tool.</summary>
public sealed record ToolCallCompleted(HarmonyMessage Call) : HarmonyEvent
{
    public string Recipient => Call.Recipient ?? "";
    public string Arguments => Call.Text;
}

public enum StopReason { Return, Call, EndOfText }

/// <summary>The model ended its turn (<c>&lt;|return|&gt;</c>, <c>&lt;|call|&gt;</c> or <c>&lt;|endoftext|&gt;</c>).</summary>
public sealed record Stopped(StopReason Reason) : HarmonyEvent;

/// <summary>Malformed output was met and handled best-effort; no text was thrown away.</summary>
public sealed record ParseWarning(string Text) : HarmonyEvent;
