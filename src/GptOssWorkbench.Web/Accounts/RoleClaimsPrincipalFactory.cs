namespace GptOssWorkbench.Web.Accounts;

using System.Security.Claims;
using GptOssWorkbench.Data.Workspaces;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

/// <summary>Puts <see cref="User.Role"/> and the display name into the sign-in cookie as claims.</summary>
public sealed class RoleClaimsPrincipalFactory(UserManager<User> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<User>(users, options)
{
    public const string DisplayNameClaim = "workbench:name";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(User user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaims(ClaimsFor(user));
        return identity;
    }

    /// <summary>The claims our policies read; API key sign-in uses the same ones.</summary>
    public static IEnumerable<Claim> ClaimsFor(User user)
    {
        yield return new Claim(ClaimTypes.Role, user.Role);
        yield return new Claim(DisplayNameClaim, string.IsNullOrWhiteSpace(user.Name) ? user.Email ?? user.Id : user.Name);
    }
}
