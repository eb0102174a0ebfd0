namespace GptOssWorkbench.Web.Audit;

using Microsoft.AspNetCore.Components.Server.Circuits;

/// <summary>
/// Created with each circuit, while its connection is set up: taking <see cref="CurrentAudit"/> here makes the
/// circuit's audit scope read the client's address then, not later from an event handler where ASP.NET gives no
/// HttpContext guarantee.
/// </summary>
public sealed class AuditCircuitHandler(CurrentAudit audit) : CircuitHandler
{
    public CurrentAudit Audit { get; } = audit;
}
