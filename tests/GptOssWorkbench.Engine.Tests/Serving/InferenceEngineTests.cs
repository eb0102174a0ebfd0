namespace GptOssWorkbench.Engine.Tests.Serving;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Tests.Model;

public class InferenceEngineTests : IDisposable
{
    private static readonly int[] Prompt = [5, 77, 120, 9, 33, 250];
    private readonly GptOssWorkbench.Engine.Weights.ModelWeights weights = RandomWeights.Build(RandomWeights.SmallConfig(), seed: 21);
    private readonly GptOssModel model;
    private readonly InferenceEngine engine;

    public InferenceEngineTests()
    {
        model = new GptOssModel(weights, new EngineOptions { Dtype = ComputePrecision.Float32 });
        engine = new InferenceEngine(model);
    }

    [Fact]
    public async Task Streamed_tokens_equal_the_result_and_the_direct_generator()
    {
        var sampling = new SamplingOptions { Temperature = 0, MaxTokens = 8 };
        var stream = engine.Submit(new GenerationRequest(Prompt, sampling));
        var streamed = new List<int>();
        await foreach (var token in stream.Tokens) streamed.Add(token.TokenId);
        var result = await stream.Completion;

        var direct = new TextGenerator(model).Generate(Prompt, sampling).Select(t => t.Id).ToList();
        Assert.Equal(direct, streamed);
        Assert.Equal(direct, result.Tokens);
        Assert.Equal(GenerationFinish.Length, result.Finish);
        Assert.NotNull(result.TimeToFirstToken);
        Assert.Equal(Prompt.Length, result.PromptTokens);
    }

    [Fact]
    public async Task Bad_requests_are_rejected_with_a_reason_and_the_engine_keeps_serving()
    {
        var outOfVocab = await engine.Submit(new GenerationRequest([1, 999_999], new SamplingOptions())).Completion;
        Assert.Equal(GenerationFinish.Error, outOfVocab.Finish);
        Assert.Contains("999999", outOfVocab.Error);

        var empty = await engine.Submit(new GenerationRequest([], new SamplingOptions())).Completion;
        Assert.Equal(GenerationFinish.Error, empty.Finish);

        var badTemperature = await engine.Submit(new GenerationRequest(Prompt, new SamplingOptions { Temperature = -1 })).Completion;
        Assert.Contains("temperature", badTemperature.Error);

        var ok = await engine.Submit(new GenerationRequest(Prompt, new SamplingOptions { Temperature = 0, MaxTokens = 2 })).Completion;
        Assert.Equal(2, ok.Tokens.Count);
    }

    [Fact]
    public async Task Max_tokens_beyond_the_context_is_clamped_and_reported()
    {
        using var shortWeights = RandomWeights.Build(RandomWeights.SmallConfig() with { MaxPositionEmbeddings = 16 }, seed: 21);
        using var shortModel = new GptOssModel(shortWeights, new EngineOptions { Dtype = ComputePrecision.Float32 });
        using var shortEngine = new InferenceEngine(shortModel);
        var result = await shortEngine.Submit(new GenerationRequest(Prompt, new SamplingOptions { Temperature = 0, MaxTokens = 1000 })).Completion;
        Assert.Contains("clamped from 1000 to 10", result.Adjustment);
        Assert.Equal(GenerationFinish.Length, result.Finish);
        Assert.Equal(10, result.Tokens.Count);
    }

    [Fact]
    public async Task Cancellation_ends_a_request_with_cancelled()
    {
        using var cts = new CancellationTokenSource();
        var stream = engine.Submit(new GenerationRequest(Prompt, new SamplingOptions { Temperature = 0, MaxTokens = 100_000 }), cts.Token);
        await foreach (var token in stream.Tokens)
        {
            cts.Cancel();
        }
        var result = await stream.Completion;
        Assert.Equal(GenerationFinish.Cancelled, result.Finish);
        // The engine checks the token before every step, but the reader may lag any number of steps behind it on a
        // busy machine: what matters is that the request ended as cancelled, long before its token limit.
        Assert.InRange(result.Tokens.Count, 1, 99_999);
    }

    public void Dispose()
    {
        engine.Dispose();
        model.Dispose();
        weights.Dispose();
    }
}
