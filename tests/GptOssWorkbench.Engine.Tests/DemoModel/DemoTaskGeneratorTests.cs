namespace GptOssWorkbench.Engine.Tests.DemoModel;

using GptOssWorkbench.Engine.DemoModel;
using GptOssWorkbench.Engine.Harmony;

public class DemoTaskGeneratorTests
{
    private static readonly HarmonyTokenizer Tokenizer = HarmonyTokenizer.Shared;

    [Fact]
    public void Completions_parse_as_analysis_then_final_holding_the_true_answer()
    {
        var generator = new DemoTaskGenerator(seed: 7);
        for (int i = 0; i < 200; i++)
        {
            var p = generator.Next();
            var parsed = HarmonyStreamParser.Parse(p.CompletionTokens, Tokenizer, strict: true);
            Assert.Empty(parsed.Warnings);
            Assert.Equal(2, parsed.Messages.Count);
            Assert.Equal(Channels.Analysis, parsed.Messages[0].Channel);
            Assert.Equal(Channels.Final, parsed.Messages[1].Channel);
            Assert.Equal(HarmonyTokens.Return, p.CompletionTokens[^1]);
            long expected = p.Family switch
            {
                DemoTaskFamily.Addition => p.A + p.B,
                DemoTaskFamily.Subtraction => p.A - p.B,
                DemoTaskFamily.Multiplication => p.A * p.B,
                _ => Math.Max(p.A, p.B),
            };
            Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), parsed.Messages[1].Text);
            Assert.Equal(p.Answer, parsed.Messages[1].Text);
        }
    }

    [Fact]
    public void The_prompt_is_the_rendered_system_and_user_messages_ending_with_start_assistant()
    {
        var p = new DemoTaskGenerator(seed: 3).Next(DemoTaskFamily.Addition, ReasoningEffort.High);
        var text = Tokenizer.Decode(p.PromptTokens);
        Assert.StartsWith("<|start|>system<|message|>You are ChatGPT", text);
        Assert.Contains("Reasoning: high", text);
        Assert.EndsWith($"<|start|>user<|message|>{p.Question}<|end|><|start|>assistant", text);
    }

    [Fact]
    public void Worked_addition_at_medium_effort_shows_each_column_with_its_carry()
    {
        var p = new DemoTaskGenerator(seed: 1).Build(DemoTaskFamily.Addition, ReasoningEffort.Medium, 4738, 1295);
        var analysis = HarmonyStreamParser.Parse(p.CompletionTokens, Tokenizer).Messages[0].Text;
        Assert.Equal(
            "Add 4738 and 1295 column by column from the right.\nOnes: 8+5=13, write 3, carry 1.\nTens: 3+9+1=13, write 3, carry 1.\n" +
            "Hundreds: 7+2+1=10, write 0, carry 1.\nThousands: 4+1+1=6, write 6.\nThe sum is 6033.", analysis);
    }

    [Fact]
    public void Worked_subtraction_at_low_effort_borrows()
    {
        var p = new DemoTaskGenerator(seed: 1).Build(DemoTaskFamily.Subtraction, ReasoningEffort.Low, 4738, 1295);
        var analysis = HarmonyStreamParser.Parse(p.CompletionTokens, Tokenizer).Messages[0].Text;
        Assert.Equal("4738-1295: 8-5=3, 13-9=4, 7-2-1=4, 4-1=3. So 3443.", analysis);
    }

    [Fact]
    public void Numbers_in_the_completion_are_written_one_digit_per_token()
    {
        var p = new DemoTaskGenerator(seed: 1).Build(DemoTaskFamily.Multiplication, ReasoningEffort.High, 4738, 7);
        var digitTokens = p.CompletionTokens.Where(DigitTokens.All.ContainsKey).ToList();
        Assert.NotEmpty(digitTokens);
        Assert.All(digitTokens, id => Assert.Single(DigitTokens.All[id]));
        // Non-canonical split, same text: the final answer decodes to the product.
        Assert.Equal("33166", HarmonyStreamParser.Parse(p.CompletionTokens, Tokenizer).Messages[1].Text);
    }

    [Theory]
    [InlineData(DemoTaskFamily.Addition, 4738, 1295)]
    [InlineData(DemoTaskFamily.Subtraction, 905, 78)]
    [InlineData(DemoTaskFamily.Multiplication, 386, 9)]
    [InlineData(DemoTaskFamily.Comparison, 4738, 4795)]
    public void Reasoning_grows_from_low_to_medium_to_high(DemoTaskFamily family, long a, long b)
    {
        var generator = new DemoTaskGenerator(seed: 5);
        var lengths = new[] { ReasoningEffort.Low, ReasoningEffort.Medium, ReasoningEffort.High }
            .Select(effort => generator.Build(family, effort, a, b).AnalysisTokenCount).ToArray();
        Assert.True(lengths[0] < lengths[1] && lengths[1] < lengths[2], $"analysis tokens low/medium/high: {string.Join("/", lengths)}");
    }

    [Fact]
    public void Family_weights_set_how_often_each_family_is_drawn()
    {
        var onlySubtraction = new DemoTaskGenerator(seed: 5) { FamilyWeights = [0, 1, 0, 0] };
        Assert.All(Enumerable.Range(0, 50).Select(_ => onlySubtraction.Next()), p => Assert.Equal(DemoTaskFamily.Subtraction, p.Family));

        var leaning = new DemoTaskGenerator(seed: 5) { FamilyWeights = [10, 60, 20, 10] };
        var counts = Enumerable.Range(0, 2000).Select(_ => leaning.Next()).GroupBy(p => p.Family).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts[DemoTaskFamily.Subtraction], 1080, 1320); // 60 % of 2000, ± 6 standard deviations
        Assert.InRange(counts[DemoTaskFamily.Multiplication], 300, 500);
        Assert.InRange(counts[DemoTaskFamily.Addition], 120, 280);
        Assert.InRange(counts[DemoTaskFamily.Comparison], 120, 280);
    }

    [Theory]
    [InlineData(new double[] { 1, 1, 1 })]
    [InlineData(new double[] { 1, -1, 1, 1 })]
    [InlineData(new double[] { 0, 0, 0, 0 })]
    [InlineData(new double[] { 1, double.NaN, 1, 1 })]
    public void Bad_family_weights_are_rejected_with_a_clear_message(double[] weights)
    {
        var error = Assert.Throws<ArgumentException>(() => new DemoTaskGenerator(seed: 5) { FamilyWeights = weights });
        Assert.Contains("family weights must be 4 non-negative numbers", error.Message);
    }

    [Fact]
    public void Bad_operands_are_rejected_with_a_clear_message()
    {
        var generator = new DemoTaskGenerator(seed: 1);
        var e = Assert.Throws<ArgumentException>(() => generator.Build(DemoTaskFamily.Subtraction, ReasoningEffort.Low, 3, 5));
        Assert.Contains("a ≥ b", e.Message);
        Assert.Throws<ArgumentException>(() => generator.Build(DemoTaskFamily.Multiplication, ReasoningEffort.Low, 3, 12));
    }

    [Fact]
    public void The_task_vocabulary_holds_every_token_of_fresh_problems()
    {
        var vocabulary = DemoVocabulary.ForTasks(sampleProblems: 2000);
        Assert.InRange(vocabulary.Size, 1111, 2000);
        var generator = new DemoTaskGenerator(seed: 99);
        for (int i = 0; i < 300; i++)
        {
            var p = generator.Next();
            Assert.All(p.PromptTokens.Concat(p.CompletionTokens), id => Assert.True(vocabulary.IsUsed(id), $"id {id} ('{Tokenizer.Decode([id])}') missing"));
        }
    }
}
