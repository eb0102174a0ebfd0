namespace GptOssWorkbench.Engine.DemoModel;

using System.Globalization;
using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// Generates the demo model's training and evaluation problems: arithmetic word problems in real harmony format.
/// The same seed gives the same problems. The assistant output is
/// <c>&lt;|channel|&gt;analysis&lt;|message|&gt;steps&lt;|end|&gt;&lt;|start|&gt;assistant&lt;|channel|&gt;final&lt;|message|&gt;ANSWER&lt;|return|&gt;</c>.
/// </summary>
public sealed class DemoTaskGenerator(int seed)
{
    /// <summary>Default share of each family (addition, subtraction, multiplication, comparison): harder families more often.</summary>
    public static readonly IReadOnlyList<double> DefaultFamilyWeights = [0.25, 0.30, 0.32, 0.13];

    private static readonly string[] Names = ["Ana", "Ben", "Mia", "Sam", "Leo", "Zoe"];
    private static readonly string[] Items = ["apples", "coins", "books", "stamps", "marbles", "cards"];
    private static readonly string[] Dates = ["2025-06-28", "2025-08-05", "2026-01-14", "2026-11-23", "2027-03-09"];

    private readonly Random random = new(seed);
    private readonly HarmonyRenderer renderer = new();

    /// <summary>
    /// Relative weights of addition, subtraction, multiplication and comparison in <see cref="Next()"/>; a resumed run
    /// can lean on the families the model still gets wrong.
    /// </summary>
    public IReadOnlyList<double> FamilyWeights
    {
        get;
        init
        {
            if (value.Count != 4 || value.Any(w => w < 0 || !double.IsFinite(w)) || value.Sum() <= 0)
                throw new ArgumentException($"family weights must be 4 non-negative numbers (addition, subtraction, multiplication, comparison) with a positive sum, got [{string.Join(", ", value)}]");
            field = [.. value];
        }
    } = DefaultFamilyWeights;

    /// <summary>A problem of a random family (by <see cref="FamilyWeights"/>) and effort.</summary>
    public DemoProblem Next()
    {
        double pick = random.NextDouble() * FamilyWeights.Sum();
        int family = 0;
        while (family < 3 && pick >= FamilyWeights[family])
        {
            pick -= FamilyWeights[family];
            family++;
        }
        return Next((DemoTaskFamily)family, (ReasoningEffort)random.Next(3));
    }

    public DemoProblem Next(DemoTaskFamily family, ReasoningEffort effort)
    {
        long a = RandomNumber(), b = RandomNumber();
        switch (family)
        {
            case DemoTaskFamily.Subtraction when a < b:
                (a, b) = (b, a);
                break;
            case DemoTaskFamily.Multiplication:
                b = random.Next(2, 10);
                break;
            case DemoTaskFamily.Comparison:
                while (b == a) b = RandomNumber();
                break;
        }
        return Build(family, effort, a, b);
    }

    /// <summary>The problem for given operands (b is the one-digit factor for multiplication).</summary>
    public DemoProblem Build(DemoTaskFamily family, ReasoningEffort effort, long a, long b)
    {
        string name = Names[random.Next(Names.Length)], other = Names[random.Next(Names.Length)], items = Items[random.Next(Items.Length)];
        int style = random.Next(3);
        string A = a.ToString(CultureInfo.InvariantCulture), B = b.ToString(CultureInfo.InvariantCulture);
        var analysis = new CompletionWriter();
        long answer;
        string question;
        switch (family)
        {
            case DemoTaskFamily.Addition:
                question = style switch
                {
                    0 => $"What is {A} + {B}?",
                    1 => $"{name} has {A} {items} and gets {B} more. How many {items} does {name} have now?",
                    _ => $"Add {A} and {B}.",
                };
                ReasoningSteps.Addition(analysis, a, b, effort);
                answer = a + b;
                break;
            case DemoTaskFamily.Subtraction:
                if (a < b) throw new ArgumentException($"subtraction needs a ≥ b, got {a} - {b}");
                question = style switch
                {
                    0 => $"What is {A} - {B}?",
                    1 => $"{name} has {A} {items} and gives away {B}. How many {items} are left?",
                    _ => $"Subtract {B} from {A}.",
                };
                ReasoningSteps.Subtraction(analysis, a, b, effort);
                answer = a - b;
                break;
            case DemoTaskFamily.Multiplication:
                if (b is < 0 or > 9) throw new ArgumentException($"multiplication is by one digit, got {b}");
                question = style switch
                {
                    0 => $"What is {A} × {B}?",
                    1 => $"{name} buys {B} boxes with {A} {items} in each box. How many {items} is that in total?",
                    _ => $"Multiply {A} by {B}.",
                };
                ReasoningSteps.Multiplication(analysis, a, b, effort);
                answer = a * b;
                break;
            default:
                if (a == b) throw new ArgumentException("comparison needs two different numbers");
                question = style switch
                {
                    0 => $"Which is larger, {A} or {B}?",
                    1 => $"{name} has {A} {items} and {other} has {B} {items}. What is the larger number?",
                    _ => $"Which number is bigger: {A} or {B}?",
                };
                ReasoningSteps.Comparison(analysis, a, b, effort);
                answer = Math.Max(a, b);
                break;
        }

        var system = new SystemContent
        {
            ReasoningEffort = effort,
            ConversationStartDate = random.Next(2) == 0 ? null : Dates[random.Next(Dates.Length)],
        };
        var conversation = Conversation.Of(HarmonyMessage.System(system), HarmonyMessage.User(question));
        var prompt = renderer.RenderForCompletion(conversation);

        var completion = new CompletionWriter()
            .Token(HarmonyTokens.Channel).Text(Channels.Analysis).Token(HarmonyTokens.Message);
        int analysisStart = completion.Ids.Count;
        completion.Ids.AddRange(analysis.Ids);
        completion.Token(HarmonyTokens.End)
            .Token(HarmonyTokens.Start).Text("assistant").Token(HarmonyTokens.Channel).Text(Channels.Final).Token(HarmonyTokens.Message)
            .Number(answer).Token(HarmonyTokens.Return);
        return new DemoProblem(family, effort, a, b, question, answer.ToString(CultureInfo.InvariantCulture), conversation, prompt, completion.Ids, analysis.Ids.Count);
    }

    /// <summary>1 to 4 digits, the digit count drawn uniformly so short and long numbers are equally common.</summary>
    private long RandomNumber()
    {
        int digits = random.Next(1, 5);
        long low = digits == 1 ? 0 : (long)Math.Pow(10, digits - 1);
        return random.NextInt64(low, (long)Math.Pow(10, digits));
    }
}
