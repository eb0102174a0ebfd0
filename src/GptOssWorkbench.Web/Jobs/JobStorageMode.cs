namespace GptOssWorkbench.Web.Jobs;

/// <summary>How Hangfire is set up in this process, as shown on the home page.</summary>
public sealed record JobStorageMode(string Storage, bool RunsServerInProcess, int WorkerCount);
