namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// The o200k ids of the 1110 digit strings "0".."999" (with leading zeros, e.g. "07"), which are all single tokens.
/// o200k splits numbers into chunks of up to three digits from the left, so user text contains these ids; the model
/// itself writes one digit per token (a valid, non-canonical tokenization that decodes to the same text).
/// </summary>
public static class DigitTokens
{
    private static readonly Lazy<IReadOnlyDictionary<int, string>> ById = new(Build);

    /// <summary>Digit-string token id → its digits.</summary>
    public static IReadOnlyDictionary<int, string> All => ById.Value;

    /// <summary>The ids of "0".."9".</summary>
    public static IReadOnlyList<int> SingleDigits { get; } = [.. Enumerable.Range(0, 10).Select(d => SingleId(d))];

    private static int SingleId(int digit)
    {
        var ids = HarmonyTokenizer.Shared.EncodeOrdinary(digit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ids.Count == 1 ? ids[0] : throw new InvalidOperationException($"digit {digit} is not one o200k token");
    }

    private static IReadOnlyDictionary<int, string> Build()
    {
        var result = new Dictionary<int, string>();
        for (int length = 1; length <= 3; length++)
        {
            int count = (int)Math.Pow(10, length);
            for (int n = 0; n < count; n++)
            {
                var text = n.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(length, '0');
                var ids = HarmonyTokenizer.Shared.EncodeOrdinary(text);
                if (ids.Count == 1) result[ids[0]] = text;
            }
        }
        return result;
    }
}
