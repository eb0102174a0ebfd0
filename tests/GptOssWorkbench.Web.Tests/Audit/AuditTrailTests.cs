namespace GptOssWorkbench.Web.Tests.Audit;

using System.Net;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Audit;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>The audit trail on the real host: what sign-ins leave behind, that nobody can rewrite it, and its CSV.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class AuditTrailTests(WorkbenchHostFixture fixture)
{
    private IDbContextFactory<WorkbenchDbContext> DbFactory => fixture.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

    private async Task<List<AuditEntry>> EntriesAsync(string target)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().Where(e => e.Target == target).OrderBy(e => e.Id).ToListAsync();
    }

    [Fact]
    public async Task A_failed_and_a_successful_sign_in_and_the_sign_out_are_recorded_with_who_and_from_where()
    {
        var user = await fixture.Host.CreateUserAsync(UserRoles.Reviewer);
        using var client = fixture.Host.CreateCookieClient();

        using var wrong = await TestAccounts.PostSignInFormAsync(client, user.Email, "not-the-password-at-all");
        using var right = await TestAccounts.PostSignInFormAsync(client, user.Email, user.Password);
        var home = await client.GetStringAsync("/");
        using var signOut = await client.PostAsync("/account/signout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = TestAccounts.AntiforgeryToken(home),
        }));

        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        var failed = Assert.Single(await EntriesAsync($"email:{user.Email}"));
        Assert.Equal(AuditActions.SignInFailed, failed.Action);
        Assert.Null(failed.ActorId);
        Assert.Equal(user.Email, failed.Actor);
        Assert.Equal("127.0.0.1", failed.RemoteAddress);
        var ofUser = await EntriesAsync($"user:{user.Id}");
        Assert.Equal([AuditActions.SignInSucceeded, AuditActions.SignedOut], ofUser.Select(e => e.Action));
        Assert.All(ofUser, e => Assert.Equal(user.Id, e.ActorId));
        Assert.All(ofUser, e => Assert.Equal("127.0.0.1", e.RemoteAddress));
        Assert.True(ofUser[0].At >= failed.At);
    }

    [Fact]
    public async Task An_audit_entry_cannot_be_changed_or_deleted_through_the_database_context()
    {
        var target = $"test:{Guid.NewGuid():N}";
        await fixture.Host.Services.GetRequiredService<AuditLog>().RecordAsync(new AuditActor("u1", "someone@example.test", "10.0.0.1"),
            AuditActions.ModelAdded, target, "original");

        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            var entry = await db.AuditLog.SingleAsync(e => e.Target == target);
            entry.Details = "rewritten";
            var edit = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
            Assert.Contains("append-only", edit.Message);
        }
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            db.AuditLog.Remove(await db.AuditLog.SingleAsync(e => e.Target == target));
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        }

        var stored = Assert.Single(await EntriesAsync(target));
        Assert.Equal("original", stored.Details);
    }

    [Fact]
    public async Task The_audit_csv_is_for_admins_only_follows_the_filter_and_quotes_cells_a_spreadsheet_would_run()
    {
        // A sign-in attempt is the one place where an anonymous stranger writes text into the log.
        var formula = $"=HYPERLINK(\"http://evil.test/{Guid.NewGuid():N}\")";
        using (var stranger = fixture.Host.CreateCookieClient())
        using (await TestAccounts.PostSignInFormAsync(stranger, formula, "whatever-password"))
        {
        }
        var (admin, _) = await fixture.Host.SignedInClientAsync(UserRoles.Admin);
        var (reviewer, _) = await fixture.Host.SignedInClientAsync(UserRoles.Reviewer);
        using var _admin = admin;
        using var _reviewer = reviewer;

        using var refused = await reviewer.GetAsync("/admin/audit.csv");
        using var anonymous = await fixture.Host.CreateCookieClient().GetAsync("/admin/audit.csv");
        using var csvResponse = await admin.GetAsync($"/admin/audit.csv?action={AuditActions.SignInFailed}");
        var csv = await csvResponse.Content.ReadAsStringAsync();

        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.StartsWith("time_utc,action,actor", csv);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Contains($",{AuditActions.SignInFailed},", line));
        // The formula comes back as text: quoted with a leading apostrophe, never as a cell starting with '='.
        Assert.Contains(lines, line => line.Contains("'=HYPERLINK(") && line.Contains(formula[12..].Replace("\"", "\"\"")));
        Assert.DoesNotContain(lines, line => line.Split(',').Any(cell => cell.TrimStart('"').StartsWith('=')));
    }
}
