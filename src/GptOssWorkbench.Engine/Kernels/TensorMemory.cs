namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Raw addresses of CPU tensor data for the kernels. TorchSharp exposes the data only as a Span
/// (<see cref="Tensor.bytes"/>), limited to 2 GiB and to contiguous tensors, so this checks both and
/// slices along the first dimension when a whole tensor is larger. The address stays valid while the
/// tensor (or the tensor it views) is alive.
/// </summary>
internal static unsafe class TensorMemory
{
    public static void* Pointer(Tensor tensor, string name)
    {
        Check(tensor, name);
        if (tensor.NumberOfElements == 0) return null;
        if (tensor.NumberOfElements * tensor.ElementSize > int.MaxValue)
            throw new ArgumentException($"{name} is larger than 2 GiB; pass a slice of it.", name);
        return Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
    }

    /// <summary>Address of tensor[index] (first dimension) without copying.</summary>
    public static void* Pointer(Tensor tensor, long index, string name)
    {
        Check(tensor, name);
        var total = tensor.NumberOfElements * tensor.ElementSize;
        if (total <= int.MaxValue)
        {
            var stride = total / tensor.shape[0];
            return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes)) + index * stride;
        }
        // The slice shares the storage of the tensor, so its address outlives the slice object.
        using var slice = tensor[index];
        return Pointer(slice, name);
    }

    /// <summary>A 1-D fp32 or bf16 tensor as fp32 in native memory, which the caller frees with NativeMemory.Free.</summary>
    public static float* CopyToSingle(Tensor vector, string name)
    {
        if (vector.dtype != ScalarType.Float32 && vector.dtype != ScalarType.BFloat16)
            throw new ArgumentException($"{name} must be float32 or bfloat16, not {vector.dtype}.", name);
        using var contiguous = vector.contiguous();
        var count = checked((int)contiguous.NumberOfElements);
        var source = Pointer(contiguous, name);
        var result = (float*)NativeMemory.Alloc((nuint)Math.Max(count, 1), sizeof(float));
        if (vector.dtype == ScalarType.Float32)
        {
            Buffer.MemoryCopy(source, result, count * sizeof(float), count * sizeof(float));
        }
        else
        {
            for (var i = 0; i < count; i++) result[i] = Bf16.ToSingle(((ushort*)source)[i]);
        }
        return result;
    }

    private static void Check(Tensor tensor, string name)
    {
        if (tensor.device_type != DeviceType.CPU) throw new ArgumentException($"{name} must be on the CPU, not {tensor.device}.", name);
        if (!tensor.is_contiguous()) throw new ArgumentException($"{name} must be contiguous (shape [{string.Join(", ", tensor.shape)}]); call .contiguous() once when loading.", name);
    }
}
