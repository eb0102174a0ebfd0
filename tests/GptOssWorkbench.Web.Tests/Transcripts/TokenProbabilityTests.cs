namespace GptOssWorkbench.Web.Tests.Transcripts;

using System.Text;
using Bunit;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Web.Review;

/// <summary>
/// The transcript page's token view over stored logprobs made of real o200k_harmony token ids: one span per content
/// token, shaded by a probability the test chose, headers and terminators left out, tokens in the right channel.
/// </summary>
public sealed class TokenProbabilityTests : DatabaseComponentTest
{
    // A newline and a 4-byte character (split over byte tokens by the tokenizer) make the text mapping earn its keep.
    private const string Reasoning = "4738 + 1295:\n8 + 5 = 13, carry 1. <b>ok</b> 𝔸";
    private const string Answer = "6033";

    // Probabilities cycled over the reasoning tokens and the shade each must get (no shade, light, stronger, strongest).
    private static readonly double[] Probabilities = [0.95, 0.7, 0.3, 0.05];
    private static readonly int[] Shades = [0, 1, 2, 3];

    private static readonly HarmonyTokenizer Tokenizer = HarmonyTokenizer.Shared;
    private static readonly int[] ReasoningIds = [.. Tokenizer.EncodeOrdinary(Reasoning)];
    private static readonly int[] AnswerIds = [.. Tokenizer.EncodeOrdinary(Answer)];
    private static readonly int Alternative = Tokenizer.EncodeOrdinary(" seven").Single();

    /// <summary>The whole completion as the engine generates it after the prompt's <c>&lt;|start|&gt;assistant</c>.</summary>
    private static List<TokenLogprob> Completion()
    {
        var tokens = new List<TokenLogprob>();
        void Header(string text)
        {
            foreach (var id in Tokenizer.EncodeWithSpecials(text))
                tokens.Add(new TokenLogprob(id, -0.001f, []));
        }
        Header("<|channel|>analysis<|message|>");
        for (var i = 0; i < ReasoningIds.Length; i++)
        {
            var p = Probabilities[i % Probabilities.Length];
            tokens.Add(new TokenLogprob(ReasoningIds[i], (float)Math.Log(p), [new(ReasoningIds[i], (float)Math.Log(p)), new(Alternative, (float)Math.Log(0.02))]));
        }
        Header("<|end|><|start|>assistant<|channel|>final<|message|>");
        foreach (var id in AnswerIds)
            tokens.Add(new TokenLogprob(id, (float)Math.Log(0.6), []));
        Header("<|return|>");
        return tokens;
    }

    private long AddRun(byte[]? payload)
    {
        var run = Db.AddRun("What is 4738 + 1295?", Reasoning, Answer);
        if (payload is not null)
        {
            using var db = Db.CreateDbContext();
            db.RunLogprobs.Add(new RunLogprobs { RunId = run.Id, TokenCount = 1, Payload = payload });
            db.SaveChanges();
        }
        return run.Id;
    }

    private IRenderedComponent<TranscriptPage> OpenWithTokens(long runId)
    {
        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, runId));
        cut.WaitForElement("input[data-testid=token-probabilities-toggle], [data-testid=token-probabilities-toggle] input").Change(true);
        return cut;
    }

    [Fact]
    public void Each_content_token_is_a_shaded_span_in_its_channel_with_its_alternatives()
    {
        var cut = OpenWithTokens(AddRun(RunLogprobs.Encode(Completion())));

        var reasoning = cut.WaitForElement("[data-testid=reasoning-tokens]").QuerySelectorAll("[data-testid=token]");
        var answer = cut.Find("[data-testid=answer-tokens]").QuerySelectorAll("[data-testid=token]");
        // One span per generated text token; no header, channel or terminator token shows.
        Assert.Equal(ReasoningIds.Length, reasoning.Length);
        Assert.Equal(AnswerIds.Length, answer.Length);
        Assert.Equal(Reasoning, string.Concat(reasoning.Select(s => s.TextContent)));
        Assert.Equal(Answer, string.Concat(answer.Select(s => s.TextContent)));
        Assert.DoesNotContain("<|", cut.Find("[data-testid=transcript]").TextContent.Replace("<b>ok</b>", ""));
        // Model text stays text.
        Assert.Empty(cut.FindAll("[data-testid=reasoning-tokens] b"));

        for (var i = 0; i < reasoning.Length; i++)
        {
            var shade = Shades[i % Shades.Length];
            Assert.Contains($"tok-shade-{shade}", reasoning[i].ClassName);
            Assert.Equal(Probabilities[i % Probabilities.Length], double.Parse(reasoning[i].GetAttribute("data-p")!, System.Globalization.CultureInfo.InvariantCulture), 5);
            Assert.Contains("\" seven\"  2 %", reasoning[i].GetAttribute("title"));
        }
        Assert.Contains("p 70 %", reasoning[1].GetAttribute("title"));
        Assert.All(answer, s => Assert.Contains("tok-shade-1", s.ClassName));
        // The newline token is marked as one; bytes of the split character that are not a character yet show nothing.
        Assert.Contains(reasoning, s => s.TextContent.Contains('\n') && s.ClassName!.Contains("tok-nl"));
        var partial = reasoning.Where(s => s.TextContent.Length == 0).ToList();
        Assert.NotEmpty(partial);
        Assert.All(partial, s => Assert.Contains("tok-partial", s.ClassName));

        // Summary: tokens below 50 % are those given 0.3 and 0.05.
        var expectedUncertain = Enumerable.Range(0, ReasoningIds.Length).Count(i => Probabilities[i % 4] < 0.5);
        Assert.Equal(expectedUncertain.ToString(), cut.FindAll("[data-testid=uncertain-count]")[0].TextContent);
        Assert.Equal("0", cut.FindAll("[data-testid=uncertain-count]")[1].TextContent);

        // A click pins the token's alternatives; "next uncertain" walks to the first token under 50 % (the third).
        reasoning[1].Click();
        var rows = cut.FindAll("[data-testid=token-alternative]");
        Assert.Equal(2, rows.Count);
        Assert.Contains("\" seven\"", rows[1].TextContent);
        cut.Find("[data-testid=next-uncertain]").Click();
        var selected = cut.Find("[data-testid=reasoning-tokens] .tok-selected");
        Assert.Equal(Tokenizer.Decode([ReasoningIds[2]]), selected.TextContent);

        // Off again: the plain transcript.
        // (MudBlazor's switch handles the change asynchronously: wait for the render rather than read at once.)
        cut.Find("input[data-testid=token-probabilities-toggle], [data-testid=token-probabilities-toggle] input").Change(false);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=token]")));
        Assert.Equal(Reasoning, cut.Find("[data-testid=reasoning-body]").TextContent);
    }

    public static TheoryData<string, string> CorruptPayloads() => new()
    {
        { "truncated", "ends inside" },
        { "not a payload", "unknown format" },
        { "huge count", "claims" },
        { "unknown token id", "outside the vocabulary" },
        { "positive logprob", "not a log-probability" },
        { "another transcript", "make 1 message(s) but the run has 2" },
    };

    [Theory]
    [MemberData(nameof(CorruptPayloads))]
    public void A_corrupt_payload_shows_a_message_and_leaves_the_transcript_readable(string corruption, string expected)
    {
        var good = RunLogprobs.Encode(Completion());
        var payload = corruption switch
        {
            "truncated" => good[..^3],
            "not a payload" => Encoding.UTF8.GetBytes("{\"tokens\": []}"),
            "huge count" => [1, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            "unknown token id" => RunLogprobs.Encode([.. Completion().Take(4), new TokenLogprob(999_999, -1f, [])]),
            "positive logprob" => RunLogprobs.Encode([.. Completion().Take(4), new TokenLogprob(ReasoningIds[0], 2.5f, [])]),
            _ => RunLogprobs.Encode([.. Tokenizer.EncodeWithSpecials("<|channel|>final<|message|>6033<|return|>").Select(id => new TokenLogprob(id, -0.1f, []))]),
        };

        var cut = OpenWithTokens(AddRun(payload));

        var error = cut.WaitForElement("[data-testid=token-probabilities-error]");
        Assert.Contains(expected, error.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=token]"));
        Assert.Equal(Reasoning, cut.Find("[data-testid=reasoning-body]").TextContent);
    }

    [Fact]
    public void A_tool_call_shows_its_tokens_under_its_recipient_apart_from_the_reasoning()
    {
        const string thinking = "Need the weather: call get_weather.";
        const string arguments = "{\"location\":\"Paris\",\"unit\":\"celsius\"}";
        // The completion the model writes for a function call: it stops at <|call|> and the tool answers in a later turn.
        List<TokenLogprob> completion =
        [
            .. GeneratedTokens.Markup("<|channel|>analysis<|message|>"), .. GeneratedTokens.Text(thinking, 0.95),
            .. GeneratedTokens.Markup("<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"),
            .. GeneratedTokens.Text(arguments, 0.3),
            .. GeneratedTokens.Markup("<|call|>"),
        ];
        long runId;
        using (var db = Db.CreateDbContext())
        {
            var now = DateTime.UtcNow;
            var run = new Run
            {
                Source = RunSource.Chat, PromptText = "Weather in Paris?", CreatedAt = now,
                Manifest = new RunManifest { ModelName = "tiny", ReasoningEffort = Data.Runs.ReasoningEffort.Low, MaxTokens = 256 },
                Logprobs = RunLogprobs.Create(completion),
            };
            run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = thinking, Order = 0, CreatedAt = now });
            run.Messages.Add(new Message
            {
                Role = MessageRole.Assistant, Channel = MessageChannels.Commentary, Recipient = "functions.get_weather", ContentType = "<|constrain|>json",
                Content = arguments, Order = 1, CreatedAt = now,
            });
            run.MoveTo(RunStatus.Running, now);
            run.MoveTo(RunStatus.Succeeded, now);
            db.Runs.Add(run);
            db.SaveChanges();
            runId = run.Id;
        }

        var cut = OpenWithTokens(runId);

        var call = cut.WaitForElement("[data-testid=tool-call-tokens]");
        var section = call.Closest("section")!;
        Assert.Equal("Tool call → functions.get_weather", section.QuerySelector(".msg-label")!.TextContent);
        var tokens = call.QuerySelectorAll("[data-testid=token]");
        Assert.Equal(GeneratedTokens.TextTokenCount(arguments), tokens.Length);
        Assert.Equal(arguments, string.Concat(tokens.Select(t => t.TextContent)));
        Assert.All(tokens, t => Assert.Contains("tok-shade-2", t.ClassName));
        Assert.Equal(tokens.Length.ToString(), section.QuerySelector("[data-testid=uncertain-count]")!.TextContent);
        // The reasoning keeps its own segment and tokens; nothing of the header (recipient, constrain) is shown as a token.
        var reasoning = cut.Find("[data-testid=reasoning-tokens]").QuerySelectorAll("[data-testid=token]");
        Assert.Equal(thinking, string.Concat(reasoning.Select(t => t.TextContent)));
        Assert.Equal(tokens.Length + reasoning.Length, cut.FindAll("[data-testid=token]").Count);
    }

    [Fact]
    public void A_run_without_logprobs_has_no_toggle_and_says_why()
    {
        var cut = Render<TranscriptPage>(p => p.Add(c => c.RunId, AddRun(payload: null)));

        cut.WaitForElement("[data-testid=no-token-probabilities]");
        Assert.Empty(cut.FindAll("[data-testid=token-probabilities-toggle]"));
        Assert.Equal(Reasoning, cut.Find("[data-testid=reasoning-body]").TextContent);
    }
}
