namespace GptOssWorkbench.Web.Models;

using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Web.Audit;

/// <summary>
/// What the Models page does with registered remote engines: the registry's change, then its audit entry, in one call.
/// Audit details describe the engine and say whether a key is set, replaced or cleared, never the key itself.
/// Scoped (one per circuit), because it records who acted.
/// </summary>
public sealed class RemoteEngineAdministration(RemoteEngineRegistry registry, CurrentAudit audit)
{
    public Task<IReadOnlyList<RegisteredRemoteEngineView>> ListAsync() => registry.ListAsync();

    /// <exception cref="RemoteEngineRegistrationException">Bad input or a name in use; nothing is stored or audited.</exception>
    public async Task<RegisteredRemoteEngineView> RegisterAsync(RemoteEngineRegistration registration, string? apiKey)
    {
        var actor = await audit.ActorAsync();
        var engine = await registry.RegisterAsync(registration, apiKey, actor.UserId);
        await audit.RecordAsync(AuditActions.ModelAdded, Target(engine.Name),
            $"remote {engine.Kind} engine at {engine.BaseUrl}, served model {engine.Model}, max concurrency {engine.MaxConcurrency}, {(engine.HasApiKey ? "API key set" : "no API key")}");
        return engine;
    }

    /// <returns>What changed, in words (empty when nothing did; then nothing is audited).</returns>
    /// <exception cref="RemoteEngineRegistrationException">Bad input or an unknown engine; nothing is stored or audited.</exception>
    public async Task<IReadOnlyList<string>> UpdateAsync(string name, RemoteEngineRegistration registration, ApiKeyChange key)
    {
        var actor = await audit.ActorAsync();
        var changes = await registry.UpdateAsync(name, registration, key, actor.UserId);
        if (changes.Count > 0) await audit.RecordAsync(AuditActions.RemoteEngineChanged, Target(name), string.Join("; ", changes));
        return changes;
    }

    /// <returns>False when it was already gone.</returns>
    public async Task<bool> RemoveAsync(string name)
    {
        var removed = await registry.RemoveAsync(name);
        if (removed) await audit.RecordAsync(AuditActions.ModelRemoved, Target(name), "registered remote engine removed; its past runs are kept");
        return removed;
    }

    private static string Target(string name) => $"model:{name}";
}
