namespace GptOssWorkbench.Engine.Weights;

/// <summary>
/// A checkpoint that cannot be loaded. The message always names the file and, where it applies,
/// the tensor or config field at fault, so a user can find the problem without a debugger.
/// </summary>
public sealed class CheckpointException(string message) : Exception(message);
