namespace GptOssWorkbench.Engine.Model;

using TorchSharp;

/// <summary>
/// Scalars that live for the whole process. TorchSharp frees a <see cref="Scalar"/> in its finalizer and hands libtorch
/// only the raw handle, without keeping the managed object alive during the native call. A temporary scalar (an
/// implicit <c>1.0</c> or <c>eps</c>, or the alpha = 1 that TorchSharp itself adds to <c>a + b</c> and
/// <c>a + 1</c>) can therefore be finalized by a garbage collection on another thread while libtorch still reads it:
/// wrong values or "Expected false to be true … toFloat" / "Unknown scalar type". The forward pass therefore passes
/// only scalars that outlive the call: these, fields of the module that owns them, or <c>using</c> locals.
/// </summary>
internal static class KeptScalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();
}
