namespace GptOssWorkbench.Web.Audit;

using Microsoft.AspNetCore.Components.Authorization;

/// <summary>
/// The audit log as seen from one request or one Blazor circuit: it knows who is acting and from where, so pages
/// and endpoints record an action in one line. The address is read when this scoped service is created: during the
/// request, or (through <see cref="AuditCircuitHandler"/>) while the circuit's connection is being set up, the only
/// moments in a circuit's life when the connection's HttpContext is reliably there.
/// </summary>
public sealed class CurrentAudit(AuditLog log, IHttpContextAccessor http, AuthenticationStateProvider? authState = null)
{
    private readonly string _remoteAddress = AuditActor.AddressOf(http.HttpContext);

    public async Task<AuditActor> ActorAsync()
    {
        var user = http.HttpContext?.User;
        if (user?.Identity?.IsAuthenticated != true && authState is not null)
        {
            try
            {
                user = (await authState.GetAuthenticationStateAsync()).User;
            }
            catch (InvalidOperationException)
            {
                // Outside a component (an endpoint) the circuit's provider has no state; the request's user stands.
            }
        }
        return user is null ? new AuditActor(null, "anonymous", _remoteAddress) : AuditActor.From(user, _remoteAddress);
    }

    public async Task RecordAsync(string action, string target, string details) =>
        await log.RecordAsync(await ActorAsync(), action, target, details);

    /// <summary>For actions by somebody not (yet) signed in, such as a failed sign-in with the email typed.</summary>
    public Task RecordAsAsync(string actorName, string? actorId, string action, string target, string details) =>
        log.RecordAsync(new AuditActor(actorId, actorName, _remoteAddress), action, target, details);
}
