namespace GptOssWorkbench.Engine.Tests.Model;

/// <summary>Test-side MXFP4 decoding written straight from spec section 3, element by element.</summary>
public static class Mxfp4Codes
{
    private static readonly double[] Magnitudes = [0, 0.5, 1, 1.5, 2, 3, 4, 6];

    public static double Value(int code) => ((code & 8) != 0 ? -1 : 1) * Magnitudes[code & 7];

    /// <summary>blocks [E, out, in/32, 16] and scales [E, out, in/32] as flat byte arrays → W[e][row][col].</summary>
    public static double[][][] Dequantize(byte[] blocks, byte[] scales, int experts, int rows, int columns)
    {
        int groups = columns / 32;
        var result = new double[experts][][];
        for (int e = 0; e < experts; e++)
        {
            result[e] = new double[rows][];
            for (int r = 0; r < rows; r++)
            {
                var row = result[e][r] = new double[columns];
                for (int g = 0; g < groups; g++)
                {
                    double multiplier = Math.Pow(2, scales[(e * rows + r) * groups + g] - 127);
                    for (int j = 0; j < 16; j++)
                    {
                        byte b = blocks[((e * rows + r) * groups + g) * 16 + j];
                        row[32 * g + 2 * j] = Value(b & 0x0F) * multiplier; // low nibble = even element
                        row[32 * g + 2 * j + 1] = Value(b >> 4) * multiplier;
                    }
                }
            }
        }
        return result;
    }
}
