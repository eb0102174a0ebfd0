namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using static TorchSharp.torch;

public class ExpertRouterTests
{
    [Fact]
    public void Picks_the_top_k_with_ties_to_the_lower_expert_and_softmaxes_only_those()
    {
        using var logits = tensor(new float[] { 0f, (float)Math.Log(3), -1f, 0f, 0f }, [1, 5]);
        var (ids, weights) = ExpertRouter.Route(logits, 2);
        using var _i = ids;
        using var _w = weights;
        // Experts 0, 3 and 4 tie at 0: expert 0 wins. Softmax over {ln 3, 0} only: 3/4 and 1/4.
        Assert.Equal(new long[] { 1, 0 }, ids.data<long>().ToArray());
        var w = weights.data<float>().ToArray();
        Assert.Equal(0.75, w[0], 6);
        Assert.Equal(0.25, w[1], 6);
    }

    [Fact]
    public void All_tied_logits_choose_the_lowest_ids()
    {
        using var logits = full(3, 32, 0.5f);
        var (ids, weights) = ExpertRouter.Route(logits, 4);
        using var _i = ids;
        using var _w = weights;
        for (int t = 0; t < 3; t++) Assert.Equal(new long[] { 0, 1, 2, 3 }, ids[t].data<long>().ToArray());
        Assert.All(weights.data<float>().ToArray(), w => Assert.Equal(0.25f, w, 6));
    }
}
