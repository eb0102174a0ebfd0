namespace GptOssWorkbench.Engine.Sampling;

/// <summary>Turns token ids into text; the generator needs it only to watch for stop strings.</summary>
public delegate string TokenDecoder(IReadOnlyList<int> tokens);
