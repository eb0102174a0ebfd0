namespace GptOssWorkbench.Data.Tests.Runs;

using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class RunManifestTests
{
    [Fact]
    public async Task The_manifest_and_logprobs_round_trip()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        IReadOnlyList<TokenLogprob> logprobs =
        [
            new(200005, -0.25f, [new(200005, -0.25f), new(17, -1.5f)]),
            new(12, -3.0f, []),
            new(-1, float.NegativeInfinity, [new(int.MaxValue, -0.0001f)]),
        ];
        long runId;
        await using (var db = database.NewContext())
        {
            var run = TestData.QueuedRun("p", model: "gpt-oss-120b");
            run.Manifest = new RunManifest
            {
                ModelName = "gpt-oss-120b",
                WeightsFingerprint = "sha256:abc",
                EngineVersion = "0.1.0+abcdef",
                Device = "cuda:1",
                Temperature = 0.7,
                TopP = 0.95,
                TopK = 40,
                MinP = 0.05,
                RepetitionPenalty = 1.1,
                PresencePenalty = 0.2,
                FrequencyPenalty = 0.3,
                MaxTokens = 2048,
                StopSequences = ["<|end|>", "\n\nUser:"],
                Seed = 1234567890123,
                ReasoningEffort = ReasoningEffort.High,
                SystemInstructions = "You are terse.",
                DeveloperInstructions = "Answer in French.",
                PromptTokenCount = 3,
                PromptTokensSha256 = RunManifest.HashPromptTokens([200006, 1, -5]),
            };
            run.Logprobs = RunLogprobs.Create(logprobs);
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            runId = run.Id;
        }

        await using (var db = database.NewContext())
        {
            var run = await db.Runs.Include(r => r.Logprobs).SingleAsync(r => r.Id == runId);
            var m = run.Manifest;
            Assert.Equal(("gpt-oss-120b", "sha256:abc", "0.1.0+abcdef", "cuda:1"), (m.ModelName, m.WeightsFingerprint, m.EngineVersion, m.Device));
            Assert.Equal((0.7, 0.95, (int?)40, (double?)0.05), (m.Temperature, m.TopP, m.TopK, m.MinP));
            Assert.Equal((1.1, 0.2, 0.3, 2048), (m.RepetitionPenalty, m.PresencePenalty, m.FrequencyPenalty, m.MaxTokens));
            Assert.Equal(["<|end|>", "\n\nUser:"], m.StopSequences);
            Assert.Equal(1234567890123, m.Seed);
            Assert.Equal(ReasoningEffort.High, m.ReasoningEffort);
            Assert.Equal(("You are terse.", "Answer in French."), (m.SystemInstructions, m.DeveloperInstructions));
            Assert.Equal(3, m.PromptTokenCount);
            // SHA-256 of int32 LE bytes of [200006, 1, -5], computed independently with Python's hashlib.
            Assert.Equal("df7ccef0fbe6f6dbc3c9a6e0e76090dcab12d93af4a15d7a60f0570856705c78", m.PromptTokensSha256);

            Assert.Equal(3, run.Logprobs!.TokenCount);
            var read = run.Logprobs.Read();
            Assert.Equal(logprobs.Count, read.Count);
            for (var i = 0; i < logprobs.Count; i++)
            {
                Assert.Equal(logprobs[i].TokenId, read[i].TokenId);
                Assert.Equal(logprobs[i].Logprob, read[i].Logprob);
                Assert.Equal(logprobs[i].Top, read[i].Top);
            }
            // Compact: 5 header bytes + 9 per token + 8 per alternative.
            Assert.Equal(5 + 3 * 9 + 3 * 8, run.Logprobs.Payload.Length);
        }
    }

    [Fact]
    public void A_corrupt_logprobs_payload_is_reported_not_misread()
    {
        Assert.Throws<InvalidDataException>(() => RunLogprobs.Decode([9, 0, 0, 0, 0]));
        Assert.Throws<InvalidDataException>(() => RunLogprobs.Decode([]));
    }
}
