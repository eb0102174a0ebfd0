namespace GptOssWorkbench.Engine.Harmony;

using System.Text;

/// <summary>
/// The streaming parser of spec 8: fed one sampled token at a time, it reports message starts, content deltas,
/// message ends, tool calls and stops. It is lenient by default: malformed model output (no <c>&lt;|message|&gt;</c>,
/// no <c>&lt;|start|&gt;</c>, a message never closed, tokens after a stop) gives a best-effort message plus a
/// <see cref="ParseWarning"/>, and no text is ever thrown away. With <c>strict</c>, those cases throw
/// <see cref="HarmonyParseException"/> instead. Not thread-safe: one parser per generation.
/// </summary>
public sealed class HarmonyStreamParser
{
    private enum State { ExpectStart, Header, Content }

    private readonly HarmonyTokenizer _tokenizer;
    private readonly bool _strict;
    private readonly List<int> _headerTokens = [];
    private readonly StringBuilder _content = new();
    private readonly List<HarmonyMessage> _messages = [];
    private readonly List<string> _warnings = [];
    private List<HarmonyEvent> _events = [];
    private Utf8StreamDecoder _decoder = new();
    private State _state;
    private Role? _presetRole;
    private HarmonyHeader? _header;
    private bool _afterStop;

    /// <param name="presetRole">When parsing a completion the prompt already ended with <c>&lt;|start|&gt;assistant</c>,
    /// so parsing starts inside a header with this role. Null: start by expecting <c>&lt;|start|&gt;</c>.</param>
    public HarmonyStreamParser(HarmonyTokenizer tokenizer, Role? presetRole = Role.Assistant, bool strict = false)
    {
        _tokenizer = tokenizer;
        _strict = strict;
        _presetRole = presetRole;
        _state = presetRole is null ? State.ExpectStart : State.Header;
    }

    public IReadOnlyList<HarmonyMessage> Messages => _messages;
    public IReadOnlyList<string> Warnings => _warnings;
    /// <summary>Set when the last token was a stop token; cleared if output continues anyway.</summary>
    public StopReason? StoppedBy { get; private set; }
    public bool InsideMessage => _state == State.Content;
    public Role? CurrentRole => _header?.Author.Role ?? (_state == State.Header ? _presetRole : null);
    public string? CurrentChannel => _header?.Channel;
    public string? CurrentRecipient => _header?.Recipient;
    public string? CurrentContentType => _header?.ContentType;
    public string CurrentContent => _content.ToString();
    public string? LastDelta { get; private set; }

    /// <summary>Parses a whole completion (or any token sequence) into messages.</summary>
    public static HarmonyParseResult Parse(IEnumerable<int> tokens, HarmonyTokenizer tokenizer, Role? presetRole = Role.Assistant,
        bool strict = false)
    {
        var parser = new HarmonyStreamParser(tokenizer, presetRole, strict);
        foreach (var token in tokens) parser.Feed(token);
        parser.Finish();
        return new HarmonyParseResult(parser.Messages, parser.Warnings);
    }

    /// <summary>Consumes one token and returns what happened.</summary>
    public IReadOnlyList<HarmonyEvent> Feed(int token)
    {
        _events = [];
        LastDelta = null;
        if (_afterStop) Warn("output continues after the end of the turn (<|return|> or <|endoftext|>); parsing on");
        _afterStop = false;
        StoppedBy = null;
        switch (_state)
        {
            case State.ExpectStart: ExpectStart(token); break;
            case State.Header: InHeader(token); break;
            case State.Content: InContent(token); break;
        }
        return _events;
    }

    /// <summary>End of stream: flushes held-back bytes and closes an unfinished message (marked incomplete).</summary>
    public IReadOnlyList<HarmonyEvent> Finish()
    {
        _events = [];
        LastDelta = null;
        if (_state == State.Content)
        {
            AppendText(_decoder.Flush());
            Warn("stream ended inside a message (no <|end|>, <|return|> or <|call|>)");
            EndMessage(incomplete: true);
        }
        else if (_state == State.Header && _headerTokens.Count > 0)
        {
            Malformed("stream ended inside a message header (no <|message|>)");
            SalvageHeaderAsMessage();
        }
        _state = State.ExpectStart;
        return _events;
    }

    private void ExpectStart(int token)
    {
        switch (token)
        {
            case HarmonyTokens.Start:
                _presetRole = null;
                _headerTokens.Clear();
                _state = State.Header;
                break;
            case HarmonyTokens.EndOfText:
                Stop(StopReason.EndOfText);
                break;
            case HarmonyTokens.Return or HarmonyTokens.Call or HarmonyTokens.End:
                Malformed($"{_tokenizer.SpecialName(token)} outside a message; ignored");
                if (token != HarmonyTokens.End) Stop(token == HarmonyTokens.Return ? StopReason.Return : StopReason.Call);
                break;
            default:
                // The model skipped <|start|> (e.g. a second message right after <|end|>): read it as an assistant header.
                Malformed($"expected <|start|> but got token {token}; reading it as an assistant message");
                _presetRole = Role.Assistant;
                _headerTokens.Clear();
                _state = State.Header;
                InHeader(token);
                break;
        }
    }

    private void InHeader(int token)
    {
        switch (token)
        {
            case HarmonyTokens.Message:
                BeginContent();
                break;
            case HarmonyTokens.End or HarmonyTokens.Return or HarmonyTokens.Call or HarmonyTokens.EndOfText:
                Malformed("message header ended without <|message|>; keeping its text as content");
                SalvageHeaderAsMessage();
                _state = State.ExpectStart;
                StopIfStopToken(token);
                break;
            case HarmonyTokens.Start when _headerTokens.Count == 0:
                // The output repeats the prompt's <|start|>: the header that follows names its own role.
                _presetRole = null;
                break;
            case HarmonyTokens.Start:
                Malformed("<|start|> inside a message header; keeping the unfinished header as a message");
                SalvageHeaderAsMessage();
                _presetRole = null;
                _state = State.Header;
                break;
            default:
                _headerTokens.Add(token);
                break;
        }
    }

    private void InContent(int token)
    {
        switch (token)
        {
            case HarmonyTokens.End:
                EndMessage(incomplete: false);
                _state = State.ExpectStart;
                break;
            case HarmonyTokens.Return or HarmonyTokens.Call or HarmonyTokens.EndOfText:
                var message = EndMessage(incomplete: false);
                _state = State.ExpectStart;
                if (token == HarmonyTokens.Call)
                {
                    if (message.Role == Role.Assistant && message.Recipient is not null) _events.Add(new ToolCallCompleted(message));
                    else Warn("<|call|> ended a message that has no recipient; no tool to call");
                }
                StopIfStopToken(token);
                break;
            case HarmonyTokens.Start:
                Malformed("<|start|> before the current message ended; closing it");
                EndMessage(incomplete: false);
                _presetRole = null;
                _headerTokens.Clear();
                _state = State.Header;
                break;
            case HarmonyTokens.Message or HarmonyTokens.Channel or HarmonyTokens.Constrain:
                Malformed($"{_tokenizer.SpecialName(token)} inside message content; kept as text");
                AppendText(_decoder.Append(_tokenizer.TokenBytes(token)));
                break;
            default:
                AppendText(_decoder.Append(_tokenizer.TokenBytes(token)));
                break;
        }
    }

    private void BeginContent()
    {
        var warnings = new List<string>();
        var headerText = _tokenizer.Decode(_headerTokens);
        HarmonyHeader header;
        string? leftover;
        try
        {
            header = HarmonyHeader.Parse(headerText, _presetRole, out leftover, warnings);
        }
        catch (HarmonyParseException e) when (!_strict)
        {
            Warn(e.Message + "; using role assistant");
            header = HarmonyHeader.Parse(headerText, Role.Assistant, out leftover, warnings);
        }
        foreach (var warning in warnings) Malformed(warning);
        if (leftover is not null) Malformed($"unexpected words in message header: \"{leftover}\"; kept as text");
        StartMessage(header);
        if (leftover is not null) AppendText(leftover + " ");
    }

    /// <summary>A header that never reached <c>&lt;|message|&gt;</c>: keep role and channel, the rest becomes content.</summary>
    private void SalvageHeaderAsMessage()
    {
        var text = _tokenizer.Decode(_headerTokens) + _decoder.Flush();
        _headerTokens.Clear();
        string? channel = null;
        var channelAt = text.IndexOf("<|channel|>", StringComparison.Ordinal);
        if (channelAt >= 0)
        {
            var after = text[(channelAt + "<|channel|>".Length)..];
            var length = 0;
            while (length < after.Length && !char.IsWhiteSpace(after[length]) && after[length] != '<') length++;
            channel = length > 0 ? after[..length] : null;
            text = text[..channelAt] + after[length..];
        }
        text = text.Trim();
        var author = new Author(_presetRole ?? Role.Assistant);
        if (_presetRole is null)
        {
            var firstWordEnd = text.IndexOfAny([' ', '\t', '\n', '\r']);
            var first = firstWordEnd < 0 ? text : text[..firstWordEnd];
            if (HarmonyHeader.ParseAuthor(first) is { Role: not Role.Tool } parsed)
            {
                author = parsed;
                text = text[first.Length..].TrimStart();
            }
        }
        else if (text == HarmonyRenderer.RoleName(author.Role) || text.StartsWith(HarmonyRenderer.RoleName(author.Role) + " ", StringComparison.Ordinal))
        {
            text = text[HarmonyRenderer.RoleName(author.Role).Length..].TrimStart();
        }
        StartMessage(new HarmonyHeader(author, null, channel, null));
        AppendText(text);
        EndMessage(incomplete: false);
    }

    private void StartMessage(HarmonyHeader header)
    {
        _header = header;
        _content.Clear();
        _decoder = new Utf8StreamDecoder();
        _state = State.Content;
        _events.Add(new MessageStarted(header.Author, header.Channel, header.Recipient, header.ContentType));
    }

    private void AppendText(string text)
    {
        if (text.Length == 0) return;
        _content.Append(text);
        LastDelta = (LastDelta ?? "") + text;
        _events.Add(new ContentDelta(text));
    }

    private HarmonyMessage EndMessage(bool incomplete)
    {
        AppendText(_decoder.Flush());
        var header = _header!;
        var message = new HarmonyMessage(header.Author, [new TextContent(_content.ToString())])
        {
            Channel = header.Channel,
            Recipient = header.Recipient,
            ContentType = header.ContentType,
        };
        _messages.Add(message);
        _events.Add(new MessageEnded(message, incomplete));
        _header = null;
        _content.Clear();
        _presetRole = null;
        return message;
    }

    private void StopIfStopToken(int token)
    {
        switch (token)
        {
            case HarmonyTokens.Return: Stop(StopReason.Return); break;
            case HarmonyTokens.Call: Stop(StopReason.Call); break;
            case HarmonyTokens.EndOfText: Stop(StopReason.EndOfText); break;
        }
    }

    private void Stop(StopReason reason)
    {
        StoppedBy = reason;
        // After <|call|> a transcript legitimately continues with the tool's answer; after <|return|> or
        // <|endoftext|> the model's turn is over, so more output is worth a warning.
        _afterStop = reason != StopReason.Call;
        _events.Add(new Stopped(reason));
    }

    private void Malformed(string text)
    {
        if (_strict) throw new HarmonyParseException(text);
        Warn(text);
    }

    private void Warn(string text)
    {
        _warnings.Add(text);
        _events.Add(new ParseWarning(text));
    }
}

/// <summary>Messages parsed from a token sequence, and what was malformed about it.</summary>
public sealed record HarmonyParseResult(IReadOnlyList<HarmonyMessage> Messages, IReadOnlyList<string> Warnings);
