namespace GptOssWorkbench.Web.Tests.Accounts;

using System.Net;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

[Collection(WorkbenchCollection.Name)]
public sealed class UserAdministrationTests(WorkbenchHostFixture fixture)
{
    private UserAdministration Administration => fixture.Host.Services.GetRequiredService<UserAdministration>();

    [Fact]
    public async Task An_invited_user_signs_in_with_the_one_time_password_and_gets_the_chosen_role()
    {
        var email = $"invited-{Guid.NewGuid():N}@example.test";

        var (user, password, error) = await Administration.CreateAsync(email, "Invited", UserRoles.Reviewer);
        using var client = fixture.Host.CreateCookieClient();
        using var signIn = await TestAccounts.PostSignInFormAsync(client, email, password!);

        Assert.Null(error);
        Assert.Equal(UserRoles.Reviewer, user!.Role);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains(await Administration.ListAsync(), u => u.Email == email && u.Role == UserRoles.Reviewer);
    }

    [Fact]
    public async Task Unknown_roles_duplicate_emails_and_self_demotion_are_refused_with_a_reason()
    {
        var admin = await fixture.Host.CreateUserAsync(UserRoles.Admin);

        var (_, _, unknownRole) = await Administration.CreateAsync($"x-{Guid.NewGuid():N}@example.test", "X", "superuser");
        var (_, _, duplicate) = await Administration.CreateAsync(admin.Email, "Again", UserRoles.Viewer);
        var selfDemotion = await Administration.SetRoleAsync(admin.Id, UserRoles.Viewer, actingAdminId: admin.Id);

        Assert.Contains("superuser", unknownRole);
        Assert.NotNull(duplicate);
        Assert.Contains("yourself", selfDemotion);
        Assert.Contains(await Administration.ListAsync(), u => u.Id == admin.Id && u.Role == UserRoles.Admin);
    }

    [Fact]
    public async Task A_role_change_takes_effect_on_the_next_sign_in()
    {
        var admin = await fixture.Host.CreateUserAsync(UserRoles.Admin);
        var user = await fixture.Host.CreateUserAsync(UserRoles.Admin);

        Assert.Null(await Administration.SetRoleAsync(user.Id, UserRoles.Viewer, actingAdminId: admin.Id));
        using var client = fixture.Host.CreateCookieClient();
        using var signIn = await TestAccounts.PostSignInFormAsync(client, user.Email, user.Password);
        using var dashboard = await client.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/account/denied", dashboard.Headers.Location!.AbsolutePath);
    }
}
