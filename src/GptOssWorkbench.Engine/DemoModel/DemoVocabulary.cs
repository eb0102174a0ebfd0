namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Harmony;
using static TorchSharp.torch;

/// <summary>
/// The reduced vocabulary the demo model trains on: index 0 stands for every id the task never uses (input: one
/// trained "unknown" row; output: one shared row whose logit stands for all of them), indices 1..n for the used
/// o200k ids in ascending order. Number tokens ("7", "42", "905") also get their digits as features: o200k writes
/// numbers as chunks of up to 3 digits, each too rare to learn from, so their embedding is built from shared
/// per-(length, position, digit) vectors plus a free row; the export folds that into a plain table.
/// </summary>
public sealed class DemoVocabulary
{
    /// <summary>Digit feature vectors: 10 for 1-digit tokens, 20 for 2-digit, 30 for 3-digit.</summary>
    public const int DigitFeatureCount = 60;

    private readonly Dictionary<int, int> indexOf;

    public DemoVocabulary(IEnumerable<int> usedIds)
    {
        UsedIds = [.. usedIds.Distinct().Order()];
        if (UsedIds.Count == 0 || UsedIds[0] < 0 || UsedIds[^1] >= HarmonyTokens.VocabularySize)
            throw new ArgumentException($"used ids must lie in 0..{HarmonyTokens.VocabularySize - 1}");
        indexOf = UsedIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i + 1);
    }

    /// <summary>The used o200k ids, ascending; reduced index i+1 is UsedIds[i].</summary>
    public IReadOnlyList<int> UsedIds { get; }

    /// <summary>Rows of the reduced tables: the used ids plus the shared unknown/unused row 0.</summary>
    public int Size => UsedIds.Count + 1;

    /// <summary>Ids outside the task's vocabulary in the full 201088-id vocabulary.</summary>
    public int UnusedCount => HarmonyTokens.VocabularySize - UsedIds.Count;

    public int IndexOf(int id) => indexOf.GetValueOrDefault(id, 0);

    public bool IsUsed(int id) => indexOf.ContainsKey(id);

    /// <summary>
    /// The vocabulary of the task: every digit token, the structural specials, and every id that problems of all
    /// families, efforts and templates produce (sampled deterministically; templates are few, so this covers them).
    /// </summary>
    public static DemoVocabulary ForTasks(int sampleProblems = 6000)
    {
        var ids = new HashSet<int>(DigitTokens.All.Keys)
        {
            HarmonyTokens.Start, HarmonyTokens.End, HarmonyTokens.Message, HarmonyTokens.Channel,
            HarmonyTokens.Return, HarmonyTokens.Call, HarmonyTokens.EndOfText,
        };
        var generator = new DemoTaskGenerator(seed: 12345);
        for (int i = 0; i < sampleProblems; i++)
        {
            var problem = generator.Next();
            ids.UnionWith(problem.PromptTokens);
            ids.UnionWith(problem.CompletionTokens);
        }
        return new DemoVocabulary(ids);
    }

    /// <summary>[Size, 60] 0/1 matrix: which digit features each reduced index has (rows of non-number tokens are zero).</summary>
    public Tensor DigitFeatures()
    {
        var data = new float[Size * DigitFeatureCount];
        for (int i = 0; i < UsedIds.Count; i++)
        {
            if (!DigitTokens.All.TryGetValue(UsedIds[i], out var digits)) continue;
            int offset = digits.Length switch { 1 => 0, 2 => 10, _ => 30 };
            for (int p = 0; p < digits.Length; p++)
            {
                data[(i + 1) * DigitFeatureCount + offset + p * 10 + (digits[p] - '0')] = 1f;
            }
        }
        return tensor(data, [Size, DigitFeatureCount]);
    }

    /// <summary>For every full-vocabulary id, its reduced index (0 for unused ids): [201088] int64.</summary>
    public Tensor FullToReduced()
    {
        var map = new long[HarmonyTokens.VocabularySize];
        for (int i = 0; i < UsedIds.Count; i++) map[UsedIds[i]] = i + 1;
        return tensor(map);
    }
}
