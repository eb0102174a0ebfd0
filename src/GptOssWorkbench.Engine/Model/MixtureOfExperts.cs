namespace GptOssWorkbench.Engine.Model;

using GptOssWorkbench.Engine.Kernels;
using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// One layer's MoE block: fp32 router, top-k experts per token with a softmax over the chosen k only,
/// clamped SwiGLU experts. Tokens are grouped by expert so each active expert runs once per step.
/// </summary>
internal sealed partial class MixtureOfExperts : IDisposable
{
    private readonly ModelConfig config;
    private readonly ScalarType computeType;
    private readonly IExpertMatmul expertMatmul;
    private readonly Tensor routerWeight; // fp32 [E, H]
    private readonly Tensor routerBias; // fp32 [E]
    private readonly Tensor gateUpBias; // fp32 [E, 2I]
    private readonly Tensor downBias; // fp32 [E, H]
    private readonly Mxfp4Tensor? gateUpPacked;
    private readonly Mxfp4Tensor? downPacked;
    private readonly Tensor? gateUpDense; // stored dtype [E, 2I, H]; converted per routed expert
    private readonly Tensor? downDense; // stored dtype [E, H, I]
    // SwiGLU constants as scalars this block owns, so they outlive every native call (see KeptScalars).
    private readonly Scalar swigluLimit, negativeSwigluLimit, swigluAlpha;
    private readonly int kernelRows; // steps whose experts all have at most this many rows run ForwardOnKernels; 0 = never
    private readonly KernelPath kernelPath;
    private readonly int kernelThreads;
    private readonly bool int8Experts; // the kernel path multiplies int8-quantized activations (Mxfp4Int8Matmul)

    public MixtureOfExperts(ModelConfig config, LayerWeights layer, ScalarType computeType, Device device, IExpertMatmul expertMatmul)
    {
        this.config = config;
        this.computeType = computeType;
        this.expertMatmul = expertMatmul;
        swigluLimit = config.SwigluLimit.ToScalar();
        negativeSwigluLimit = (-config.SwigluLimit).ToScalar();
        swigluAlpha = config.SwigluAlpha.ToScalar();
        routerWeight = layer.RouterWeight.to(float32, device);
        routerBias = layer.RouterBias.to(float32, device);
        gateUpBias = layer.Experts.GateUpBias.to(float32, device);
        downBias = layer.Experts.DownBias.to(float32, device);
        var experts = layer.Experts;
        if (experts.GateUpPacked is not null && experts.DownPacked is not null)
        {
            gateUpPacked = new Mxfp4Tensor(experts.GateUpPacked.Blocks.to(device), experts.GateUpPacked.Scales.to(device));
            downPacked = new Mxfp4Tensor(experts.DownPacked.Blocks.to(device), experts.DownPacked.Scales.to(device));
        }
        else if (experts.GateUpDense is not null && experts.DownDense is not null)
        {
            // Dense experts stay in their stored dtype (bf16 for 20b is ~38 GB; fp32 would double it).
            gateUpDense = experts.GateUpDense.to(device);
            downDense = experts.DownDense.to(device);
        }
        else
        {
            throw new ArgumentException("Expert weights must have both projections packed (MXFP4) or both dense.");
        }
        // The grouped kernel path stands in for the fused kernel wherever the configured expert matmul would use it.
        bool kernelFits = gateUpPacked is not null && computeType == bfloat16 && device.type == DeviceType.CPU
            && config.HiddenSize % 32 == 0 && config.IntermediateSize % 32 == 0;
        (kernelRows, kernelPath, kernelThreads) = expertMatmul switch
        {
            AdaptiveExpertMatmul adaptive when kernelFits => (adaptive.MaxFusedRows, KernelPath.Auto, 0),
            FusedExpertMatmul fused when kernelFits => (int.MaxValue, fused.Path, fused.Threads),
            _ => (0, KernelPath.Auto, 0),
        };
        // Only an adaptive matmul that opts in takes the integer kernel (see AdaptiveExpertMatmul.Int8Activations).
        int8Experts = kernelRows > 0 && expertMatmul is AdaptiveExpertMatmul { Int8Activations: true } && Mxfp4Int8Matmul.IsAccelerated;
    }

    /// <summary>t: [T, H] fp32 normalised activations; returns [T, H] fp32.</summary>
    public Tensor Forward(Tensor t)
    {
        using var scope = NewDisposeScope();
        var (expertIds, routeWeights) = ExpertRouter.Route(nn.functional.linear(t, routerWeight, routerBias), config.ExpertsPerToken);
        var ids = expertIds.cpu().data<long>().ToArray();
        if (kernelRows > 0 && ids.CountBy(id => id).All(group => group.Value <= kernelRows))
            return ForwardOnKernels(t, ids, routeWeights.contiguous().data<float>().ToArray()).MoveToOuterDisposeScope();
        var output = zeros_like(t);
        int k = config.ExpertsPerToken;
        var flatWeights = routeWeights.reshape(-1);

        // Group the T·k (token, expert) assignments by expert; a loop over at most E experts is cheap.
        var byExpert = new SortedDictionary<long, List<long>>();
        for (long a = 0; a < ids.Length; a++)
        {
            if (!byExpert.TryGetValue(ids[a], out var list)) byExpert[ids[a]] = list = [];
            list.Add(a);
        }
        foreach (var (expert, assignments) in byExpert)
        {
            var assignmentIndex = tensor(assignments.ToArray(), device: t.device);
            var tokens = tensor(assignments.Select(a => a / k).ToArray(), device: t.device);
            var rows = t.index_select(0, tokens);
            var expertOutput = RunExpert((int)expert, rows);
            var weights = flatWeights.index_select(0, assignmentIndex).unsqueeze(1);
            // The expert's down bias is inside expertOutput, so it is scaled by the routing weight too.
            output.index_add_(0, tokens, expertOutput.mul_(weights), KeptScalars.One);
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>One expert on its token rows [n, H] fp32; returns [n, H] fp32 including the down bias.</summary>
    private Tensor RunExpert(int expert, Tensor rows)
    {
        using var scope = NewDisposeScope();
        var input = rows.to(computeType);
        var h = Project(input, gateUpPacked, gateUpDense, expert).to(float32).add(gateUpBias[expert], KeptScalars.One);
        // Projection 1 rows are interleaved: even = gate, odd = up.
        long width = h.shape[1];
        var gate = h.slice(1, 0, width, 2).clamp_max(swigluLimit); // no lower clamp on the gate
        var up = h.slice(1, 1, width, 2).clamp(negativeSwigluLimit, swigluLimit);
        var activation = gate * sigmoid(gate * swigluAlpha) * up.add(KeptScalars.One, KeptScalars.One);
        var output = Project(activation.to(computeType), downPacked, downDense, expert).to(float32).add(downBias[expert], KeptScalars.One);
        return output.MoveToOuterDisposeScope();
    }

    private Tensor Project(Tensor input, Mxfp4Tensor? packed, Tensor? dense, int expert)
    {
        if (packed is not null) return expertMatmul.Multiply(input, packed, expert);
        using var scope = NewDisposeScope();
        var weight = dense![expert].to(computeType);
        return nn.functional.linear(input, weight).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        routerWeight.Dispose();
        routerBias.Dispose();
        gateUpBias.Dispose();
        downBias.Dispose();
        gateUpPacked?.Dispose();
        downPacked?.Dispose();
        gateUpDense?.Dispose();
        downDense?.Dispose();
        swigluLimit.Dispose();
        negativeSwigluLimit.Dispose();
        swigluAlpha.Dispose();
    }
}
