namespace GptOssWorkbench.Data.Tests.Batches;

using GptOssWorkbench.Data.Batches;

public class AnswerGraderTests
{
    [Theory]
    [InlineData("6033", "6033")]
    [InlineData("6033", " 6033 ")]
    [InlineData("6033", "6,033")]
    [InlineData("6033", "6033.0")]
    [InlineData("6033", "6033.")]
    [InlineData("6,033", "6033")]
    [InlineData("-3", "-3.00")]
    [InlineData("+7", "7")]
    [InlineData("1234567", "1,234,567")]
    [InlineData("2.5", "2.50")]
    [InlineData("Paris", "paris.")]
    [InlineData("New   York\nCity", " new york city ")]
    public void Matches_after_normalization(string expected, string answer) =>
        Assert.True(AnswerGrader.IsCorrect(expected, answer), $"'{answer}' should match '{expected}'");

    [Theory]
    [InlineData("6033", "603")]
    [InlineData("6033", "60330")]
    [InlineData("5", "-5")]
    [InlineData("-5", "5")]
    [InlineData("15", "1,5")] // not a valid thousands group, so compared as text
    [InlineData("6033", "The answer is 6033")]
    [InlineData("6033", "6033 apples")]
    [InlineData("6033", "")]
    [InlineData("Paris", "Pariss")]
    [InlineData("2.5", "2.05")]
    public void Does_not_match(string expected, string answer) =>
        Assert.False(AnswerGrader.IsCorrect(expected, answer), $"'{answer}' should not match '{expected}'");

    [Fact]
    public void A_missing_answer_is_wrong() => Assert.False(AnswerGrader.IsCorrect("6033", null));
}
