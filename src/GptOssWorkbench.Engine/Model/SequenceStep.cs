namespace GptOssWorkbench.Engine.Model;

/// <summary>One sequence's share of an engine step: its new tokens, its cache, and whether every new position needs logits.</summary>
public sealed record SequenceStep(KvCache Cache, IReadOnlyList<int> Tokens, bool AllPositions = false);
