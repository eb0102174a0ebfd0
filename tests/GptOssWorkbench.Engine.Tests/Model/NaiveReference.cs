namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights;
using static TorchSharp.torch;

/// <summary>
/// A deliberately plain gpt-oss forward pass written from the spec (section 2) with loops over double arrays.
/// It shares nothing with the engine but the weight tensors: no cache, every position recomputed from scratch.
/// </summary>
public sealed class NaiveReference
{
    private readonly ModelConfig c;
    private readonly double[][] embedding, unembedding;
    private readonly double[] finalNorm;
    private readonly Layer[] layers;

    private sealed record Layer(
        double[] AttnNorm, double[][] Wq, double[] Bq, double[][] Wk, double[] Bk, double[][] Wv, double[] Bv,
        double[][] Wo, double[] Bo, double[] Sinks, double[] MlpNorm, double[][] Wr, double[] Br,
        double[][][] W1, double[][] B1, double[][][] W2, double[][] B2);

    public NaiveReference(ModelWeights w)
    {
        c = w.Config;
        embedding = Matrix(w.Embedding);
        unembedding = Matrix(w.Unembedding);
        finalNorm = Vector(w.FinalNorm);
        layers = w.Layers.Select(l => new Layer(
            Vector(l.AttentionNorm), Matrix(l.QueryWeight), Vector(l.QueryBias), Matrix(l.KeyWeight), Vector(l.KeyBias),
            Matrix(l.ValueWeight), Vector(l.ValueBias), Matrix(l.OutputWeight), Vector(l.OutputBias), Vector(l.Sinks),
            Vector(l.MlpNorm), Matrix(l.RouterWeight), Vector(l.RouterBias),
            ExpertMatrices(l.Experts.GateUpPacked, l.Experts.GateUpDense), Matrix(l.Experts.GateUpBias),
            ExpertMatrices(l.Experts.DownPacked, l.Experts.DownDense), Matrix(l.Experts.DownBias))).ToArray();
    }

    /// <summary>Logits [T][V] for every position of the sequence.</summary>
    public double[][] Logits(int[] tokens)
    {
        int n = tokens.Length, d = c.HeadDim, half = d / 2, nq = c.NumAttentionHeads, nkv = c.NumKeyValueHeads;
        var x = tokens.Select(t => (double[])embedding[t].Clone()).ToArray();
        var (cos, sin) = RopeTables(n);
        for (int l = 0; l < c.NumLayers; l++)
        {
            var L = layers[l];
            var q = new double[n][];
            var k = new double[n][];
            var v = new double[n][];
            for (int p = 0; p < n; p++)
            {
                var t = Norm(x[p], L.AttnNorm);
                q[p] = Rope(Add(MatVec(L.Wq, t), L.Bq), nq, cos[p], sin[p]);
                k[p] = Rope(Add(MatVec(L.Wk, t), L.Bk), nkv, cos[p], sin[p]);
                v[p] = Add(MatVec(L.Wv, t), L.Bv);
            }
            for (int p = 0; p < n; p++)
            {
                var attended = new double[nq * d];
                for (int h = 0; h < nq; h++)
                {
                    int kvh = h / (nq / nkv);
                    var visible = Enumerable.Range(0, p + 1).Where(j => !c.SlidingLayers[l] || j > p - c.SlidingWindow).ToArray();
                    var z = visible.Select(j => Dot(q[p], h * d, k[j], kvh * d, d) / Math.Sqrt(d)).Append(L.Sinks[h]).ToArray();
                    double max = z.Max();
                    double denominator = z.Sum(s => Math.Exp(s - max));
                    for (int a = 0; a < visible.Length; a++)
                    {
                        double weight = Math.Exp(z[a] - max) / denominator;
                        for (int i = 0; i < d; i++) attended[h * d + i] += weight * v[visible[a]][kvh * d + i];
                    }
                }
                x[p] = Add(x[p], Add(MatVec(L.Wo, attended), L.Bo));
            }
            for (int p = 0; p < n; p++) x[p] = Add(x[p], Moe(L, Norm(x[p], L.MlpNorm)));
        }
        return x.Select(row => MatVec(unembedding, Norm(row, finalNorm))).ToArray();
    }

    private double[] Moe(Layer L, double[] t)
    {
        var g = Add(MatVec(L.Wr, t), L.Br);
        var top = Enumerable.Range(0, g.Length).OrderByDescending(e => g[e]).ThenBy(e => e).Take(c.ExpertsPerToken).ToArray();
        double max = top.Max(e => g[e]);
        double sum = top.Sum(e => Math.Exp(g[e] - max));
        var y = new double[c.HiddenSize];
        foreach (var e in top)
        {
            double weight = Math.Exp(g[e] - max) / sum;
            var hidden = Add(MatVec(L.W1[e], t), L.B1[e]);
            var act = new double[c.IntermediateSize];
            for (int u = 0; u < act.Length; u++)
            {
                double gate = Math.Min(hidden[2 * u], c.SwigluLimit);
                double up = Math.Clamp(hidden[2 * u + 1], -c.SwigluLimit, c.SwigluLimit);
                act[u] = gate / (1 + Math.Exp(-c.SwigluAlpha * gate)) * (up + 1);
            }
            var o = Add(MatVec(L.W2[e], act), L.B2[e]);
            for (int i = 0; i < y.Length; i++) y[i] += weight * o[i];
        }
        return y;
    }

    private (double[][] Cos, double[][] Sin) RopeTables(int n)
    {
        int half = c.HeadDim / 2;
        double low = half * Math.Log(c.InitialContextLength / (c.RopeBetaFast * 2 * Math.PI)) / Math.Log(c.RopeTheta);
        double high = half * Math.Log(c.InitialContextLength / (c.RopeBetaSlow * 2 * Math.PI)) / Math.Log(c.RopeTheta);
        double m = 0.1 * Math.Log(c.RopeScalingFactor) + 1;
        var invFreq = new float[half];
        for (int i = 0; i < half; i++)
        {
            double theta = Math.Pow(c.RopeTheta, -2.0 * i / c.HeadDim);
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            invFreq[i] = (float)(theta * (1 - ramp) + theta / c.RopeScalingFactor * ramp);
        }
        var cos = new double[n][];
        var sin = new double[n][];
        for (int p = 0; p < n; p++)
        {
            cos[p] = new double[half];
            sin[p] = new double[half];
            for (int i = 0; i < half; i++)
            {
                float angle = p * invFreq[i]; // fp32 angle, as the references compute it
                cos[p][i] = m * Math.Cos(angle);
                sin[p][i] = m * Math.Sin(angle);
            }
        }
        return (cos, sin);
    }

    private double[] Rope(double[] x, int heads, double[] cos, double[] sin)
    {
        int d = c.HeadDim, half = d / 2;
        var result = new double[x.Length];
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < half; i++)
            {
                double a = x[h * d + i], b = x[h * d + i + half];
                result[h * d + i] = a * cos[i] - b * sin[i];
                result[h * d + i + half] = b * cos[i] + a * sin[i];
            }
        }
        return result;
    }

    private double[] Norm(double[] x, double[] weight)
    {
        double rms = Math.Sqrt(x.Sum(a => a * a) / x.Length + c.RmsNormEps);
        return x.Select((a, i) => a / rms * weight[i]).ToArray();
    }

    private static double Dot(double[] a, int aStart, double[] b, int bStart, int length)
    {
        double sum = 0;
        for (int i = 0; i < length; i++) sum += a[aStart + i] * b[bStart + i];
        return sum;
    }

    private static double[] MatVec(double[][] m, double[] x) => m.Select(row => Dot(row, 0, x, 0, x.Length)).ToArray();

    private static double[] Add(double[] a, double[] b) => a.Select((x, i) => x + b[i]).ToArray();

    private static double[] Vector(Tensor t) => t.to(float32).contiguous().data<float>().ToArray().Select(f => (double)f).ToArray();

    private static double[][] Matrix(Tensor t)
    {
        var flat = Vector(t);
        int columns = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(r => flat.AsSpan(r * columns, columns).ToArray()).ToArray();
    }

    private static double[][][] ExpertMatrices(Mxfp4Tensor? packed, Tensor? dense)
    {
        if (packed is not null)
        {
            return Mxfp4Codes.Dequantize(packed.Blocks.data<byte>().ToArray(), packed.Scales.data<byte>().ToArray(),
                (int)packed.Blocks.shape[0], (int)packed.Blocks.shape[1], (int)packed.Blocks.shape[2] * 32);
        }
        var flat = Vector(dense!);
        int experts = (int)dense!.shape[0], rows = (int)dense.shape[1], columns = (int)dense.shape[2];
        return Enumerable.Range(0, experts).Select(e => Enumerable.Range(0, rows)
            .Select(r => flat.AsSpan((e * rows + r) * columns, columns).ToArray()).ToArray()).ToArray();
    }
}
