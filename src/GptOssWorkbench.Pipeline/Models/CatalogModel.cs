namespace GptOssWorkbench.Pipeline.Models;

using GptOssWorkbench.Data.Models;

/// <summary>A model the workbench can run, as the Models page and the model pickers show it.</summary>
/// <param name="FromConfiguration">Listed in configuration (cannot be removed from the UI).</param>
/// <param name="IsLoaded">Loaded into an engine in THIS process (in distributed mode the workers hold the engines).</param>
/// <param name="RemoteKind">Set for a model served by a remote server (vllm, sglang, …): FolderPath is then its address.</param>
public sealed record CatalogModel(
    string Name, string FolderPath, string Layout, string? WeightsFingerprint, bool IsDemo, string Description,
    ModelDefaults Defaults, bool FromConfiguration, bool IsLoaded, string? RemoteKind = null)
{
    public bool IsRemote => RemoteKind is not null;
}
