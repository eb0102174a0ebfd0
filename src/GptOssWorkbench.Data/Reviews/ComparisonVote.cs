namespace GptOssWorkbench.Data.Reviews;

public enum ComparisonVote
{
    A,
    B,
    Tie,
    BothBad,
}
