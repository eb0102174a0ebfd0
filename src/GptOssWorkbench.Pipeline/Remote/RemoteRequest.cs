namespace GptOssWorkbench.Pipeline.Remote;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;

/// <summary>One run's request to a remote server: its conversation, the prompt our renderer made of it (raw mode sends these ids), and its settings.</summary>
public sealed record RemoteRequest(RemoteMode Mode, Conversation Conversation, IReadOnlyList<int> PromptTokens, RunManifest Manifest);
