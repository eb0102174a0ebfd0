namespace GptOssWorkbench.Web.Tests.Audit;

using System.Security.Claims;
using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Audit;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The admin pages on a real host's services and SQLite file: what an admin does there lands in the audit log under
/// their name, and the audit page shows it and narrows it by action.
/// </summary>
public sealed class AuditedPagesTests : WorkbenchComponentTest, IAsyncLifetime
{
    private readonly WorkbenchHost _host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" });
    private TestAccounts.TestUser _admin = default!;

    public AuditedPagesTests()
    {
        Services.AddSingleton(_host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>());
        Services.AddSingleton(_host.Services.GetRequiredService<UserAdministration>());
        Services.AddSingleton(_host.Services.GetRequiredService<ApiKeyService>());
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        _admin = await _host.CreateUserAsync(UserRoles.Admin);
        Authorization.SetAuthorized(_admin.Email);
        Authorization.SetRoles(UserRoles.Admin);
        Authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, _admin.Id), new Claim(ClaimTypes.Email, _admin.Email));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.DisposeAsync();
    }

    private async Task<List<AuditEntry>> EntriesByAdminAsync()
    {
        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().Where(e => e.ActorId == _admin.Id).OrderBy(e => e.Id).ToListAsync();
    }

    [Fact]
    public async Task Inviting_a_user_and_changing_their_role_are_recorded_under_the_admin_who_did_it()
    {
        var email = $"invitee-{Guid.NewGuid():N}@example.test";
        var page = Render<UsersPage>();
        page.WaitForElement("input[data-testid=new-user-email]").Change(email);
        page.Find("input[data-testid=new-user-name]").Change("Invitee");
        page.Find("button[data-testid=new-user-create]").Click();
        page.WaitForElement("[data-testid=one-time-password]");
        var users = await _host.Services.GetRequiredService<UserAdministration>().ListAsync();
        var invited = users.Single(u => u.Email == email);
        // The invite form's role picker comes first, then one per table row, in the table's (email) order.
        var rowSelect = page.FindComponents<MudBlazor.MudSelect<string>>()[1 + users.ToList().FindIndex(u => u.Id == invited.Id)];

        await page.InvokeAsync(() => rowSelect.Instance.ValueChanged.InvokeAsync(UserRoles.Reviewer));
        page.WaitForAssertion(() => Assert.Contains(_host.Services.GetRequiredService<UserAdministration>().ListAsync().Result,
            u => u.Id == invited.Id && u.Role == UserRoles.Reviewer));
        var entries = await EntriesByAdminAsync();

        var created = Assert.Single(entries, e => e.Action == AuditActions.UserCreated);
        Assert.Equal($"user:{invited.Id}", created.Target);
        Assert.Contains(email, created.Details);
        Assert.Contains(UserRoles.Viewer, created.Details);
        Assert.Equal(_admin.Email, created.Actor);
        var roleChange = Assert.Single(entries, e => e.Action == AuditActions.UserRoleChanged);
        Assert.Equal($"user:{invited.Id}", roleChange.Target);
        Assert.Contains($"{UserRoles.Viewer} -> {UserRoles.Reviewer}", roleChange.Details);
    }

    [Fact]
    public async Task Creating_and_revoking_an_api_key_are_recorded_without_the_secret()
    {
        var page = Render<ApiKeysPage>();
        page.WaitForElement("input[data-testid=api-key-name]").Change("ci runner");
        page.Find("button[data-testid=api-key-create]").Click();
        var secret = page.WaitForElement("[data-testid=api-key-secret]").TextContent;
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("button"), b => b.TextContent.Contains("Revoke")));
        page.FindAll("button").First(b => b.TextContent.Contains("Revoke")).Click();
        page.WaitForAssertion(() => Assert.Contains("revoked", page.Markup));

        var entries = await EntriesByAdminAsync();

        Assert.Equal([AuditActions.ApiKeyCreated, AuditActions.ApiKeyRevoked], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Contains("ci runner", e.Details));
        Assert.All(entries, e => Assert.DoesNotContain(secret, e.Details + e.Target));
        Assert.Equal(entries[0].Target, entries[1].Target);
    }

    [Fact]
    public async Task The_audit_page_lists_entries_newest_first_and_narrows_them_by_action()
    {
        var log = _host.Services.GetRequiredService<AuditLog>();
        var actor = new AuditActor(_admin.Id, _admin.Email, "192.0.2.7");
        await log.RecordAsync(actor, AuditActions.ModelAdded, "model:first", "folder /models/first");
        await log.RecordAsync(actor, AuditActions.BatchCreated, "batch:42", "'sweep' from prompts.csv");

        var page = Render<AuditPage>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=audit-table] tbody tr").Count));
        var rows = page.FindAll("[data-testid=audit-table] tbody tr");
        Assert.Contains("batch:42", rows[0].TextContent);
        Assert.Contains("192.0.2.7", rows[0].TextContent);
        Assert.Contains("model:first", rows[1].TextContent);

        await page.InvokeAsync(() => page.FindComponent<MudBlazor.MudSelect<string>>().Instance.SelectOption(AuditActions.ModelAdded));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=audit-table] tbody tr")));
        Assert.Contains("model:first", page.Find("[data-testid=audit-table] tbody tr").TextContent);
        Assert.Contains($"action={AuditActions.ModelAdded}", page.Find("[data-testid=audit-download]").GetAttribute("href"));
    }
}
