namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.Intrinsics.X86;

/// <summary>Which instruction set the MXFP4 kernel uses. Auto picks the widest this CPU supports.</summary>
public enum Mxfp4KernelPath
{
    Auto,
    Scalar,
    Vector256,
    Vector512,
}

public static class Mxfp4KernelPaths
{
    /// <summary>The widest path this CPU runs.</summary>
    public static Mxfp4KernelPath Best =>
        Avx512F.IsSupported ? Mxfp4KernelPath.Vector512
        : Avx2.IsSupported && Fma.IsSupported ? Mxfp4KernelPath.Vector256
        : Mxfp4KernelPath.Scalar;

    public static bool IsSupported(Mxfp4KernelPath path) => path switch
    {
        Mxfp4KernelPath.Auto or Mxfp4KernelPath.Scalar => true,
        Mxfp4KernelPath.Vector256 => Avx2.IsSupported && Fma.IsSupported,
        Mxfp4KernelPath.Vector512 => Avx512F.IsSupported,
        _ => false,
    };

    internal static Mxfp4KernelPath Resolve(Mxfp4KernelPath requested)
    {
        if (requested == Mxfp4KernelPath.Auto) return Best;
        if (!IsSupported(requested)) throw new PlatformNotSupportedException($"MXFP4 kernel path {requested} is not supported by this CPU.");
        return requested;
    }
}
