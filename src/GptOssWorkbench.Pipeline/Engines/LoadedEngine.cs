namespace GptOssWorkbench.Pipeline.Engines;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Weights;

/// <summary>One model loaded in this process with its engine; owned and disposed by <see cref="EngineHost"/>.</summary>
public sealed class LoadedEngine(string modelName, string fingerprint, string device, ModelWeights weights, GptOssModel model, InferenceEngine engine)
    : IDisposable
{
    public string ModelName { get; } = modelName;
    public string WeightsFingerprint { get; } = fingerprint;
    public string Device { get; } = device;
    public InferenceEngine Engine { get; } = engine;
    public ModelConfig Config => model.Config;

    public void Dispose()
    {
        // The engine's thread must stop before the model and weights it uses are freed.
        Engine.Dispose();
        model.Dispose();
        weights.Dispose();
    }
}
