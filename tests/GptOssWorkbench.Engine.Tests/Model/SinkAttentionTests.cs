namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using static TorchSharp.torch;

public class SinkAttentionTests
{
    [Fact]
    public void Sink_joins_the_softmax_unscaled_and_its_weight_is_dropped()
    {
        // One query head, d = 4 (scale 1/2), two keys. Values are one-hot so the output shows each key's weight.
        using var q = tensor(new float[] { 1, 0, 0, 0 }, [1, 1, 4]);
        using var k = tensor(new float[] { 2, 0, 0, 0, 4, 0, 0, 0 }, [2, 1, 4]);
        using var v = tensor(new float[] { 1, 0, 0, 0, 0, 1, 0, 0 }, [2, 1, 4]);
        using var keyPositions = tensor(new long[] { 0, 1 });
        using var queryPositions = tensor(new long[] { 1 });
        using var sinks = tensor(new float[] { 1.5f });
        using var output = SinkAttention.Apply(q, k, v, keyPositions, queryPositions, sinks, window: null);
        var o = output.data<float>().ToArray();

        // Scores 2/2 = 1 and 4/2 = 2; the sink 1.5 enters as is.
        double denominator = Math.Exp(1) + Math.Exp(2) + Math.Exp(1.5);
        Assert.Equal(Math.Exp(1) / denominator, o[0], 5);
        Assert.Equal(Math.Exp(2) / denominator, o[1], 5);
        Assert.True(o[0] + o[1] < 0.8, "the sink must take part of the probability mass");
    }

    [Fact]
    public void Sliding_window_includes_the_query_itself_and_masks_by_absolute_position()
    {
        // Keys at positions 2..6 stored in scrambled slots (like a ring), query at position 6, window 3:
        // visible are positions 4, 5, 6 (j > p - W), whatever slot they sit in.
        long[] slotPositions = [5, 2, 6, 3, 4, -1];
        int slots = slotPositions.Length;
        using var q = zeros(1, 1, slots);
        using var k = zeros(slots, 1, slots);
        using var v = eye(slots).view(slots, 1, slots); // one-hot per slot
        using var keyPositions = tensor(slotPositions);
        using var queryPositions = tensor(new long[] { 6 });
        using var sinks = tensor(new float[] { float.NegativeInfinity }); // no sink: weights are exactly uniform
        using var windowed = SinkAttention.Apply(q, k, v, keyPositions, queryPositions, sinks, window: 3);
        var w = windowed.data<float>().ToArray();
        AssertWeights([1 / 3.0, 0, 1 / 3.0, 0, 1 / 3.0, 0], w);

        using var full = SinkAttention.Apply(q, k, v, keyPositions, queryPositions, sinks, window: null);
        AssertWeights([0.2, 0.2, 0.2, 0.2, 0.2, 0], full.data<float>().ToArray());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(null)]
    public void Query_row_blocks_give_the_same_result_as_one_block(int? window)
    {
        manual_seed(11);
        using var q = randn(9, 6, 8);
        using var k = randn(12, 2, 8);
        using var v = randn(12, 2, 8);
        using var keyPositions = arange(0L, 12L);
        using var queryPositions = arange(3L, 12L);
        using var sinks = randn(6);
        using var whole = SinkAttention.Apply(q, k, v, keyPositions, queryPositions, sinks, window);
        using var rowByRow = SinkAttention.Apply(q, k, v, keyPositions, queryPositions, sinks, window, maxScoreElements: 6 * 13 * 2);
        Assert.True(whole.allclose(rowByRow, rtol: 1e-6, atol: 1e-6));
    }

    private static void AssertWeights(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void Query_head_h_reads_key_value_head_h_divided_by_group_size()
    {
        // 4 query heads, 2 KV heads: heads 0,1 → KV 0 (value 10), heads 2,3 → KV 1 (value 20).
        using var q = zeros(1, 4, 2);
        using var k = zeros(1, 2, 2);
        using var v = tensor(new float[] { 10, 10, 20, 20 }, [1, 2, 2]);
        using var positions = tensor(new long[] { 0 });
        using var sinks = full(4, float.NegativeInfinity);
        using var output = SinkAttention.Apply(q, k, v, positions, positions, sinks, window: null);
        Assert.Equal(new float[] { 10, 10, 10, 10, 20, 20, 20, 20 }, output.data<float>().ToArray());
    }
}
