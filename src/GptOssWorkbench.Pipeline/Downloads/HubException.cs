namespace GptOssWorkbench.Pipeline.Downloads;

/// <summary>A download failure with a message meant for the user (it names the repo, revision or file concerned).</summary>
public sealed class HubException(string message, Exception? inner = null) : Exception(message, inner);
