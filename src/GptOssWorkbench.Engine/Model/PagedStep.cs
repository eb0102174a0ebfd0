namespace GptOssWorkbench.Engine.Model;

/// <summary>
/// One sequence's share of a paged engine step: <see cref="Tokens"/> at positions StartPosition, StartPosition+1, …
/// (a prefill chunk or one decode token) and the sequence's block tables. Logical block i holds positions
/// [i·BlockSize, (i+1)·BlockSize). <see cref="FullBlocks"/> must cover every position up to the last new one;
/// <see cref="SlidingBlocks"/> must cover the last new position's window (entries before it may be -1: freed).
/// </summary>
public sealed record PagedStep(IReadOnlyList<int> Tokens, int StartPosition, IReadOnlyList<int> FullBlocks, IReadOnlyList<int> SlidingBlocks, bool AllPositions = false);
