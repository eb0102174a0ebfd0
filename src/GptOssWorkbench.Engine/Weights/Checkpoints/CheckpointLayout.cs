namespace GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>The four on-disk layouts of spec section 5; all hold the same logical weights.</summary>
public enum CheckpointLayout
{
    /// <summary>A: HF config, one model.safetensors, MXFP4 experts.</summary>
    HfSingle,
    /// <summary>B: HF config, model.safetensors.index.json + shards, MXFP4 experts.</summary>
    HfSharded,
    /// <summary>C: OpenAI original: flat config, *.safetensors without index, fused qkv, MXFP4 experts.</summary>
    Original,
    /// <summary>D: HF config, experts stored dequantized as bf16 in input-major orientation (single file or sharded).</summary>
    HfBf16,
}

public static class CheckpointLayoutNames
{
    /// <summary>The names used on the command line and in reports.</summary>
    public static string Name(this CheckpointLayout layout) => layout switch
    {
        CheckpointLayout.HfSingle => "hf",
        CheckpointLayout.HfSharded => "hf-sharded",
        CheckpointLayout.Original => "original",
        CheckpointLayout.HfBf16 => "hf-bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(layout)),
    };

    public static CheckpointLayout Parse(string name)
    {
        foreach (var layout in Enum.GetValues<CheckpointLayout>())
        {
            if (layout.Name() == name) return layout;
        }
        throw new ArgumentException($"Unknown layout '{name}'; expected one of: {string.Join(", ", Enum.GetValues<CheckpointLayout>().Select(l => l.Name()))}");
    }
}
