namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Harmony;

/// <summary>
/// The analysis-channel text for each task family and effort. All efforts work column by column from the right (a
/// tiny model cannot add 4-digit numbers "in its head"); low writes the bare column sums, medium names each column
/// and the carry, high adds a check that restates the inverse operation.
/// </summary>
internal static class ReasoningSteps
{
    private static readonly string[] ColumnNames = ["Ones", "Tens", "Hundreds", "Thousands", "Ten-thousands"];

    public static void Addition(CompletionWriter w, long a, long b, ReasoningEffort effort)
    {
        var (da, db) = (Digits(a), Digits(b));
        int columns = Math.Max(da.Length, db.Length);
        if (effort == ReasoningEffort.Low) w.Number(a).Text("+").Number(b).Text(": ");
        else w.Text("Add ").Number(a).Text(" and ").Number(b).Text(" column by column from the right.");
        long carry = 0;
        for (int i = 0; i < columns; i++)
        {
            var terms = new List<long>();
            if (i < da.Length) terms.Add(da[i]);
            if (i < db.Length) terms.Add(db[i]);
            if (carry > 0) terms.Add(carry);
            long sum = terms.Sum();
            bool last = i == columns - 1;
            long written = last ? sum : sum % 10;
            carry = last ? 0 : sum / 10;
            Column(w, effort, i, terms, "+", sum, written, carry, last);
        }
        if (effort == ReasoningEffort.Low) w.Text(" So ").Number(a + b).Text(".");
        else w.Text("\nThe sum is ").Number(a + b).Text(".");
        if (effort == ReasoningEffort.High) w.Text("\nCheck: ").Number(a + b).Text("-").Number(b).Text("=").Number(a).Text(", which matches.");
    }

    public static void Subtraction(CompletionWriter w, long a, long b, ReasoningEffort effort)
    {
        var (da, db) = (Digits(a), Digits(b));
        if (effort == ReasoningEffort.Low) w.Number(a).Text("-").Number(b).Text(": ");
        else w.Text("Subtract ").Number(b).Text(" from ").Number(a).Text(" column by column from the right.");
        long borrow = 0;
        for (int i = 0; i < da.Length; i++)
        {
            long bottom = i < db.Length ? db[i] : 0;
            bool borrows = da[i] < bottom + borrow;
            var terms = new List<long> { da[i] + (borrows ? 10 : 0) };
            if (i < db.Length) terms.Add(db[i]);
            if (borrow > 0) terms.Add(borrow);
            long result = terms[0] - terms.Skip(1).Sum();
            Column(w, effort, i, terms, "-", result, result, borrows ? 1 : 0, i == da.Length - 1, borrowWord: true);
            borrow = borrows ? 1 : 0;
        }
        if (effort == ReasoningEffort.Low) w.Text(" So ").Number(a - b).Text(".");
        else w.Text("\nThe difference is ").Number(a - b).Text(".");
        if (effort == ReasoningEffort.High) w.Text("\nCheck: ").Number(a - b).Text("+").Number(b).Text("=").Number(a).Text(", which matches.");
    }

    public static void Multiplication(CompletionWriter w, long a, long d, ReasoningEffort effort)
    {
        var da = Digits(a);
        if (effort == ReasoningEffort.Low) w.Number(a).Text("×").Number(d).Text(": ");
        else w.Text("Multiply ").Number(a).Text(" by ").Number(d).Text(" digit by digit from the right.");
        long carry = 0;
        for (int i = 0; i < da.Length; i++)
        {
            long value = da[i] * d + carry;
            bool last = i == da.Length - 1;
            if (effort == ReasoningEffort.Low)
            {
                if (i > 0) w.Text(", ");
            }
            else
            {
                w.Text("\n" + ColumnNames[i] + ": ");
            }
            w.Number(da[i]).Text("×").Number(d);
            if (carry > 0) w.Text("+").Number(carry);
            w.Text("=").Number(value);
            long written = last ? value : value % 10;
            carry = last ? 0 : value / 10;
            if (effort != ReasoningEffort.Low)
            {
                w.Text(", write ").Number(written);
                if (carry > 0) w.Text(", carry ").Number(carry);
                w.Text(".");
            }
        }
        if (effort == ReasoningEffort.Low) w.Text(". So ").Number(a * d).Text(".");
        else w.Text("\nThe product is ").Number(a * d).Text(".");
        if (effort == ReasoningEffort.High) w.Text("\nCheck: ").Number(a * d).Text("÷").Number(d).Text("=").Number(a).Text(", which matches.");
    }

    public static void Comparison(CompletionWriter w, long a, long b, ReasoningEffort effort)
    {
        var (sa, sb) = (a.ToString(System.Globalization.CultureInfo.InvariantCulture), b.ToString(System.Globalization.CultureInfo.InvariantCulture));
        long larger = Math.Max(a, b);
        bool low = effort == ReasoningEffort.Low;
        if (low) w.Number(a).Text(" vs ").Number(b).Text(": ");
        else w.Text("Compare ").Number(a).Text(" and ").Number(b).Text(" from the left.\n");
        if (sa.Length != sb.Length)
        {
            w.Number(sa.Length).Text(" digits vs ").Number(sb.Length).Text(" digits");
        }
        else
        {
            w.Text(low ? "" : "Both have ").Number(sa.Length).Text(" digits");
            for (int i = 0; i < sa.Length; i++)
            {
                int cmp = sa[i].CompareTo(sb[i]);
                w.Text(low ? ", " : ".\n" + ColumnNames[sa.Length - 1 - i] + ": ");
                w.Number(sa[i] - '0').Text(cmp == 0 ? "=" : cmp < 0 ? "<" : ">").Number(sb[i] - '0');
                if (cmp != 0) break;
            }
        }
        if (low) w.Text(". So ").Number(larger).Text(".");
        else w.Text(".\nThe larger number is ").Number(larger).Text(".");
        if (effort == ReasoningEffort.High) w.Text("\nCheck: ").Number(larger).Text(">").Number(Math.Min(a, b)).Text(", which matches.");
    }

    /// <summary>
    /// One column. Low: "3+9+1=13" after a comma. Medium/high: "Tens: 3+9+1=13, write 3, carry 1." (subtraction says
    /// "borrow" and writes the top digit with the borrowed 10 already added, e.g. "13-9=4").
    /// </summary>
    private static void Column(CompletionWriter w, ReasoningEffort effort, int index, List<long> terms, string op, long value, long written, long carry, bool last, bool borrowWord = false)
    {
        if (effort == ReasoningEffort.Low)
        {
            if (index > 0) w.Text(", ");
        }
        else
        {
            w.Text("\n" + ColumnNames[index] + ": ");
        }
        for (int t = 0; t < terms.Count; t++)
        {
            if (t > 0) w.Text(op);
            w.Number(terms[t]);
        }
        w.Text("=").Number(value);
        if (effort == ReasoningEffort.Low)
        {
            if (last) w.Text(".");
            return;
        }
        w.Text(", write ").Number(written);
        if (carry > 0 && !last) w.Text(borrowWord ? ", borrow " : ", carry ").Number(carry);
        w.Text(".");
    }

    /// <summary>Decimal digits, least significant first.</summary>
    public static long[] Digits(long value) =>
        [.. value.ToString(System.Globalization.CultureInfo.InvariantCulture).Reverse().Select(c => (long)(c - '0'))];
}
