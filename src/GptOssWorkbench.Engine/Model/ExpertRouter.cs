namespace GptOssWorkbench.Engine.Model;

using TorchSharp;
using static TorchSharp.torch;

public static class ExpertRouter
{
    /// <summary>
    /// Top-k of router logits [T, E] and the softmax over just those k logits (not over all experts).
    /// Exact ties go to the lower expert id, as in HF's stable descending argsort; torch.topk does not promise that.
    /// Returns ids [T, k] int64 and weights [T, k] fp32.
    /// </summary>
    public static (Tensor Ids, Tensor Weights) Route(Tensor routerLogits, int k)
    {
        using var scope = NewDisposeScope();
        var (sorted, order) = routerLogits.to(float32).sort(dim: -1, descending: true, stable: true);
        var ids = order.narrow(-1, 0, k);
        var weights = softmax(sorted.narrow(-1, 0, k), -1);
        return (ids.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }
}
