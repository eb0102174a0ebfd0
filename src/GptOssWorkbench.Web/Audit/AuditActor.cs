namespace GptOssWorkbench.Web.Audit;

using System.Security.Claims;

/// <summary>Who acted and from which address. <see cref="UserId"/> is null when nobody was signed in.</summary>
public sealed record AuditActor(string? UserId, string Name, string RemoteAddress)
{
    public static AuditActor From(ClaimsPrincipal user, string remoteAddress) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier),
            user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "anonymous",
            remoteAddress);

    public static string AddressOf(HttpContext? context) => context?.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
