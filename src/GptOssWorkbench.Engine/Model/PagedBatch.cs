namespace GptOssWorkbench.Engine.Model;

using static TorchSharp.torch;

/// <summary>
/// Everything attention needs to know about one paged step, built once and used by every layer:
/// where each row's key/value goes, and what each sequence reads, per layer group (full, sliding).
/// </summary>
internal sealed record PagedBatch(PagedGroup Full, PagedGroup Sliding);

/// <summary>
/// One layer group's view of a step. <see cref="WriteSlots"/>: the slot of every row of the batch, in row order.
/// Prompt chunks attend one sequence at a time (<see cref="Chunks"/>); single decode tokens attend together in
/// <see cref="Decodes"/>, padded only to the longest member of their group.
/// </summary>
internal sealed record PagedGroup(Tensor WriteSlots, IReadOnlyList<ChunkReads> Chunks, IReadOnlyList<DecodeReads> Decodes);

/// <summary>Rows [Start, Start + Count) of one sequence attend over <see cref="Slots"/> at <see cref="Positions"/>.</summary>
internal sealed record ChunkReads(long Start, long Count, Tensor QueryPositions, Tensor Slots, Tensor Positions);

/// <summary>Decode rows <see cref="Rows"/> [B] attend over padded <see cref="Slots"/> [B, S]; padding has position -1 (masked).</summary>
internal sealed record DecodeReads(Tensor Rows, Tensor QueryPositions, Tensor Slots, Tensor Positions);
