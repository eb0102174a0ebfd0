namespace GptOssWorkbench.Web.Transcripts;

/// <summary>A piece of a message's text; <see cref="Notes"/> are the annotations covering it (empty = plain).</summary>
public sealed record TextSegment(string Text, int Start, IReadOnlyList<SpanNote> Notes);

/// <summary>An annotated span [Start, End) of a message, in UTF-16 chars.</summary>
public sealed record SpanNote(long Id, int Start, int End, string Note);

public static class HighlightSegments
{
    /// <summary>
    /// Cuts <paramref name="text"/> at every span boundary so each piece is covered by a fixed set of notes.
    /// Spans may overlap; spans outside the text (the message changed, or bad offsets) are clipped or dropped.
    /// The pieces concatenate back to the text, so browser selection offsets stay valid.
    /// </summary>
    public static List<TextSegment> Split(string text, IEnumerable<SpanNote> spans)
    {
        var valid = spans
            .Select(s => s with { Start = Math.Clamp(s.Start, 0, text.Length), End = Math.Clamp(s.End, 0, text.Length) })
            .Where(s => s.End > s.Start)
            .ToList();
        var cuts = valid.SelectMany(s => new[] { s.Start, s.End }).Append(0).Append(text.Length).Distinct().Order().ToList();
        var segments = new List<TextSegment>();
        for (var i = 0; i + 1 < cuts.Count; i++)
        {
            int start = cuts[i], end = cuts[i + 1];
            var notes = valid.Where(s => s.Start <= start && s.End >= end).ToList();
            segments.Add(new TextSegment(text[start..end], start, notes));
        }
        if (segments.Count == 0)
            segments.Add(new TextSegment("", 0, []));
        return segments;
    }
}
