namespace GptOssWorkbench.Data.Tests.Runs;

using GptOssWorkbench.Data.Runs;

/// <summary>A damaged logprobs payload is reported as such (what is wrong, at which token), never read past its end.</summary>
public class RunLogprobsDecodeTests
{
    private static readonly byte[] Good = RunLogprobs.Encode(
    [
        new(200005, -0.25f, [new(200005, -0.25f), new(17, -1.5f)]),
        new(12, -3.0f, []),
    ]);

    [Theory]
    [InlineData(1, "ends inside token 2 of 2")]
    [InlineData(10, "ends inside the alternatives of token 1 of 2")]
    [InlineData(20, "claims 2 tokens")]
    public void A_truncated_payload_says_where_it_ends(int cut, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => RunLogprobs.Decode(Good[..^cut]));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Extra_bytes_a_huge_count_and_a_negative_count_are_refused()
    {
        Assert.Contains("3 bytes after its 2 tokens", Assert.Throws<InvalidDataException>(() => RunLogprobs.Decode([.. Good, 1, 2, 3])).Message);
        Assert.Contains("claims 2147483647 tokens", Assert.Throws<InvalidDataException>(() => RunLogprobs.Decode([1, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0])).Message);
        Assert.Contains("claims -1 tokens", Assert.Throws<InvalidDataException>(() => RunLogprobs.Decode([1, 0xff, 0xff, 0xff, 0xff])).Message);
        Assert.Equal(2, RunLogprobs.Decode(Good).Count);
    }
}
