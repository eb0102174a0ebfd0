namespace GptOssWorkbench.Engine.Harmony;

/// <summary>A parsed message header: author, recipient, channel, content type.</summary>
public sealed record HarmonyHeader(Author Author, string? Recipient, string? Channel, string? ContentType)
{
    /// <summary>
    /// Parses header text (special tokens as their literal strings), following the reference parser: cut out
    /// <c>&lt;|channel|&gt;NAME</c>; make sure a space precedes <c>&lt;|constrain|&gt;</c>; split on whitespace; the first
    /// word is the role unless <paramref name="presetRole"/> is given (an unknown word is a tool's name); then, from the
    /// end, a word <c>to=X</c> or a lone word is the recipient and the last other word the content type; without
    /// <c>to=</c>, the last of two words is the content type and the word before it the recipient. Words left over land in <paramref name="leftover"/> (the caller decides: error or
    /// keep them as text).
    /// </summary>
    public static HarmonyHeader Parse(string text, Role? presetRole, out string? leftover, List<string>? warnings = null)
    {
        string? channel = null;
        var channelAt = text.IndexOf("<|channel|>", StringComparison.Ordinal);
        if (channelAt >= 0)
        {
            var after = text[(channelAt + "<|channel|>".Length)..];
            var length = 0;
            while (length < after.Length && !char.IsWhiteSpace(after[length]) && after[length] != '<') length++;
            if (length == 0) warnings?.Add("header has <|channel|> but no channel name");
            else channel = after[..length];
            text = text[..channelAt] + after[length..];
        }

        text = text.Trim().Replace("<|constrain|>", " <|constrain|>", StringComparison.Ordinal);
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();

        Author author;
        if (presetRole is { } role)
        {
            author = new Author(role);
            if (words.Count > 0 && words[0] == HarmonyRenderer.RoleName(role)) words.RemoveAt(0);
        }
        else if (words.Count == 0)
        {
            throw new HarmonyParseException("message header has no role");
        }
        else
        {
            author = ParseAuthor(words[0]);
            words.RemoveAt(0);
        }

        string? recipient = null, contentType = null;
        var addressed = words.FindLastIndex(w => w.StartsWith("to=", StringComparison.Ordinal));
        if (addressed >= 0)
        {
            // An explicit "to=X" is the recipient wherever it stands; the last other word is the content type.
            recipient = words[addressed][3..];
            words.RemoveAt(addressed);
            if (words.Count > 0)
            {
                contentType = words[^1];
                words.RemoveAt(words.Count - 1);
            }
        }
        else if (words.Count == 1)
        {
            recipient = words[0];
            words.Clear();
        }
        else if (words.Count > 1)
        {
            contentType = words[^1];
            recipient = words[^2];
            words.RemoveRange(words.Count - 2, 2);
        }
        leftover = words.Count > 0 ? string.Join(" ", words) : null;
        return new HarmonyHeader(author, recipient, channel, contentType);
    }

    /// <summary>"user", "assistant:name", or (any other word) the name of a tool, e.g. "functions.get_weather".</summary>
    public static Author ParseAuthor(string word)
    {
        var colon = word.IndexOf(':');
        var roleWord = colon >= 0 ? word[..colon] : word;
        Role? role = roleWord switch
        {
            "system" => Role.System,
            "developer" => Role.Developer,
            "user" => Role.User,
            "assistant" => Role.Assistant,
            _ => null,
        };
        if (role is null) return new Author(Role.Tool, word);
        return new Author(role.Value, colon >= 0 ? word[(colon + 1)..] : null);
    }
}

public sealed class HarmonyParseException(string message) : Exception(message);
