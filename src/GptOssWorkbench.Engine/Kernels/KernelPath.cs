namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.Intrinsics.X86;

/// <summary>Which instruction set the CPU kernels use. Auto picks the widest this CPU supports.</summary>
public enum KernelPath
{
    Auto,
    Scalar,
    Vector256,
    Vector512,
}

public static class KernelPaths
{
    /// <summary>The widest path this CPU runs.</summary>
    public static KernelPath Best =>
        Avx512F.IsSupported ? KernelPath.Vector512
        : Avx2.IsSupported && Fma.IsSupported ? KernelPath.Vector256
        : KernelPath.Scalar;

    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Auto or KernelPath.Scalar => true,
        KernelPath.Vector256 => Avx2.IsSupported && Fma.IsSupported,
        KernelPath.Vector512 => Avx512F.IsSupported,
        _ => false,
    };

    internal static KernelPath Resolve(KernelPath requested)
    {
        if (requested == KernelPath.Auto) return Best;
        if (!IsSupported(requested)) throw new PlatformNotSupportedException($"Kernel path {requested} is not supported by this CPU.");
        return requested;
    }
}
