namespace GptOssWorkbench.Web.Api;

using System.Text;

/// <summary>
/// A run's output messages written back as harmony text for /v1/completions: the prompt ends with
/// "&lt;|start|&gt;assistant", so the first message goes on with its header ("&lt;|channel|&gt;analysis&lt;|message|&gt;"),
/// later ones start anew, and the end token matches how the run ended. A client's harmony parser then finds the
/// same channels the run stored. With skip_special_tokens only the message text is written (as vLLM does).
/// </summary>
public sealed class HarmonyOutputText(bool skipSpecialTokens)
{
    private int current = -1;

    /// <summary>The text for a piece of message <paramref name="messageIndex"/>, header included when the message is new.</summary>
    public string Append(int messageIndex, string? channel, string? recipient, string text)
    {
        if (skipSpecialTokens || messageIndex == current) return text;
        var piece = new StringBuilder();
        if (current >= 0) piece.Append("<|end|><|start|>assistant");
        current = messageIndex;
        if (channel is not null) piece.Append("<|channel|>").Append(channel);
        if (recipient is not null) piece.Append(" to=").Append(recipient);
        return piece.Append("<|message|>").Append(text).ToString();
    }

    /// <summary>The stop token the run ended on: &lt;|return|&gt; after an answer, &lt;|call|&gt; after a tool call, none when cut at max_tokens.</summary>
    public string End(string? finishReason) => skipSpecialTokens || current < 0 ? "" : finishReason switch
    {
        "stop" => "<|return|>",
        "tool_call" => "<|call|>",
        _ => "",
    };

    /// <summary>OpenAI completions' finish reasons: only stop and length.</summary>
    public static string FinishReason(string? runFinish) => runFinish == "length" ? "length" : "stop";
}
