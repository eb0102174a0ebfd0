namespace GptOssWorkbench.Engine.Model;

using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// gpt-oss attention: grouped-query heads, causal (and on sliding layers windowed) masks built from absolute
/// positions, and one learned "sink" logit per query head that joins the softmax and is then dropped,
/// letting a head put weight on nothing. libtorch's scaled_dot_product_attention has no sinks, hence our own.
/// </summary>
public static class SinkAttention
{
    /// <param name="queries">[T, nq, d], already rotated.</param>
    /// <param name="keys">[S, nkv, d], already rotated.</param>
    /// <param name="values">[S, nkv, d]</param>
    /// <param name="keyPositions">[S] int64 absolute positions, -1 for empty slots.</param>
    /// <param name="queryPositions">[T] int64 absolute positions.</param>
    /// <param name="sinks">[nq] sink logits (not scaled by 1/sqrt(d)).</param>
    /// <param name="window">Sliding window W (key j visible when j &gt; p - W), or null for full attention.</param>
    /// <param name="maxScoreElements">Largest score block (heads × query rows × keys) materialised at once.</param>
    /// <returns>[T, nq·d] fp32.</returns>
    /// <remarks>
    /// Scores, softmax and the weighted sum run in fp32 whatever the cache dtype: a bf16 score matrix rounds
    /// logits of size ~5 by ~0.02, which moves attention weights by percents. Attention is a small share of
    /// the work next to the projections and experts, so the upcast is cheap.
    /// </remarks>
    public static Tensor Apply(Tensor queries, Tensor keys, Tensor values, Tensor keyPositions, Tensor queryPositions, Tensor sinks, int? window, long maxScoreElements = DefaultMaxScoreElements)
    {
        using var scope = NewDisposeScope();
        long t = queries.shape[0], nq = queries.shape[1];
        long s = keys.shape[0];
        var k = keys.to(float32).permute(1, 2, 0); // [nkv, d, S]
        var v = values.to(float32).permute(1, 0, 2); // [nkv, S, d]
        var sinks32 = sinks.to(float32);

        // A long prefill would need a [nq, T, S] score matrix of gigabytes: run the queries in row blocks.
        long rowsPerBlock = Math.Max(1, maxScoreElements / (nq * (s + 1)));
        if (rowsPerBlock >= t) return Block(queries, queryPositions, k, v, keyPositions, sinks32, window).MoveToOuterDisposeScope();
        var blocks = new List<Tensor>();
        for (long start = 0; start < t; start += rowsPerBlock)
        {
            long n = Math.Min(rowsPerBlock, t - start);
            blocks.Add(Block(queries.narrow(0, start, n), queryPositions.narrow(0, start, n), k, v, keyPositions, sinks32, window));
        }
        return cat(blocks, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// 2^20 fp32 score elements = 4 MB per block. Small blocks stay in the caches and below glibc's mmap threshold,
    /// so their buffers are reused instead of freshly page-faulted: a 512-token prefill's attention took 2.4x less
    /// CPU than with 128 MB blocks (210 -> 86 ms per layer, 1 thread).
    /// </summary>
    public const long DefaultMaxScoreElements = 1L << 20;

    private static Tensor Block(Tensor queries, Tensor queryPositions, Tensor k, Tensor v, Tensor keyPositions, Tensor sinks, int? window)
    {
        using var scope = NewDisposeScope();
        long t = queries.shape[0], nq = queries.shape[1], d = queries.shape[2];
        long nkv = k.shape[0], s = k.shape[2];
        long group = nq / nkv;

        // Query head h reads KV head h / group: heads of one group are adjacent, so view q as [nkv, group·T, d].
        var q = queries.to(float32).view(t, nkv, group, d).permute(1, 2, 0, 3).reshape(nkv, group * t, d);
        using var scale = (1.0 / Math.Sqrt(d)).ToScalar(); // scalars outlive the native calls: see KeptScalars
        using var windowSize = (window ?? 0).ToScalar();
        var scores = bmm(q, k).mul_(scale).view(nq, t, s);

        var kp = keyPositions.unsqueeze(0);
        var qp = queryPositions.unsqueeze(1);
        var visible = kp.ge(KeptScalars.Zero).logical_and(kp.le(qp));
        if (window is not null) visible = visible.logical_and(kp.gt(qp.sub(windowSize))); // the window includes the query itself
        scores = scores.masked_fill(visible.logical_not().unsqueeze(0), KeptScalars.NegativeInfinity);

        var sinkColumn = sinks.view(nq, 1, 1).expand(nq, t, 1);
        var weights = softmax(cat([scores, sinkColumn], 2), 2).narrow(2, 0, s);

        var output = bmm(weights.reshape(nkv, group * t, s), v) // [nkv, group·T, d]
            .view(nkv, group, t, d).permute(2, 0, 1, 3).reshape(t, nq * d);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One query per sequence for a padded group of B decoding sequences.
    /// queries [B, nq, d]; keys/values [B, S, nkv, d]; keyPositions [B, S] (-1 = padding); queryPositions [B].
    /// Same math as <see cref="Apply"/>; returns [B, nq·d] fp32.
    /// </summary>
    public static Tensor ApplyDecode(Tensor queries, Tensor keys, Tensor values, Tensor keyPositions, Tensor queryPositions, Tensor sinks, int? window)
    {
        using var scope = NewDisposeScope();
        long b = queries.shape[0], nq = queries.shape[1], d = queries.shape[2];
        long s = keys.shape[1], nkv = keys.shape[2];
        long group = nq / nkv;
        var q = queries.to(float32).view(b, nkv, group, d);
        var k = keys.to(float32).permute(0, 2, 3, 1); // [B, nkv, d, S]
        var v = values.to(float32).permute(0, 2, 1, 3); // [B, nkv, S, d]
        using var scale = (1.0 / Math.Sqrt(d)).ToScalar(); // scalars outlive the native calls: see KeptScalars
        using var windowSize = (window ?? 0).ToScalar();
        var scores = matmul(q, k).mul_(scale); // [B, nkv, group, S]

        var qp = queryPositions.unsqueeze(1);
        var visible = keyPositions.ge(KeptScalars.Zero).logical_and(keyPositions.le(qp));
        if (window is not null) visible = visible.logical_and(keyPositions.gt(qp.sub(windowSize)));
        scores = scores.masked_fill(visible.logical_not().view(b, 1, 1, s), KeptScalars.NegativeInfinity);

        var sinkColumn = sinks.to(float32).view(1, nkv, group, 1).expand(b, nkv, group, 1);
        var weights = softmax(cat([scores, sinkColumn], 3), 3).narrow(3, 0, s);
        return matmul(weights, v).reshape(b, nq * d).MoveToOuterDisposeScope(); // [B, nkv, group, d] → [B, nq·d]
    }
}
