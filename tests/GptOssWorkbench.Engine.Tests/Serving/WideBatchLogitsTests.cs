namespace GptOssWorkbench.Engine.Tests.Serving;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Serving;
using GptOssWorkbench.Engine.Tests.Model;

/// <summary>
/// Past ~42 rows one step's [rows, 201,088] fp32 logits outgrew glibc's largest mmap threshold (32 MiB), so every
/// step mapped, faulted and unmapped a fresh buffer and throughput fell from 32 to 48 sequences (issue 22). The
/// unembedding now runs in row chunks below that ceiling; these tests pin the chunking and that it loses no row.
/// </summary>
public class WideBatchLogitsTests
{
    private const int RealVocabulary = 201_088;
    private const long GlibcMaxMmapThreshold = 32L << 20; // DEFAULT_MMAP_THRESHOLD_MAX on 64-bit glibc

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(48)]
    [InlineData(64)]
    [InlineData(257)]
    public void Unembedding_chunks_of_the_real_vocabulary_stay_below_the_mmap_ceiling_and_cover_every_row_once(int rows)
    {
        var chunks = GptOssModel.UnembeddingChunks(rows, RealVocabulary).ToList();
        Assert.All(chunks, c => Assert.True(c.Count >= 1 && 4L * c.Count * RealVocabulary < GlibcMaxMmapThreshold, $"{c.Count} rows"));
        int next = 0;
        foreach (var (start, count) in chunks)
        {
            Assert.Equal(next, start);
            next += count;
        }
        Assert.Equal(rows, next);
    }

    [Fact]
    public async Task Forty_eight_greedy_sequences_over_the_real_vocabulary_give_their_solo_tokens()
    {
        // The real vocabulary makes a 48-row step span two unembedding chunks.
        var config = RandomWeights.SmallConfig(layers: 1) with { VocabSize = RealVocabulary };
        Assert.True(GptOssModel.UnembeddingChunks(48, config.VocabSize).Count() > 1);
        using var weights = RandomWeights.Build(config, seed: 5);
        using var model = new GptOssModel(weights, new EngineOptions { Dtype = ComputePrecision.Float32, Threads = 1 });
        var sampling = new SamplingOptions { Temperature = 0, MaxTokens = 3 };
        var prompts = Enumerable.Range(0, 48).Select(i => new[] { 3 * i + 1, 7 * i + 2, (11 * i + 5) % 299 }).ToArray();
        var alone = prompts.Select(p => new TextGenerator(model).Generate(p, sampling).Select(t => t.Id).ToList()).ToArray();

        using var engine = new InferenceEngine(model);
        var streams = prompts.Select(p => engine.Submit(new GenerationRequest(p, sampling) { IgnoreStopTokens = true })).ToArray();
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(alone[i], (await streams[i].Completion).Tokens);
        Assert.True(engine.Snapshot().Steps < 48 * 3, "the 48 sequences shared steps");
    }
}
