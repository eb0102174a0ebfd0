namespace GptOssWorkbench.Web.Tests.Accounts;

using System.Security.Claims;
using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Admin;
using GptOssWorkbench.Web.Chat;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Transcripts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The per-role reasoning setting on a real host's services and SQLite file: the admin page stores and audits a
/// change, nobody else can make one, bad input stores nothing, and the chat and transcript views render reasoning as
/// the signed-in user's role allows.
/// </summary>
public sealed class ReasoningVisibilityPagesTests : WorkbenchComponentTest, IAsyncLifetime
{
    private const string Thought = "secret chain of thought about 2+2";
    private readonly WorkbenchHost _host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" });
    private TestAccounts.TestUser _admin = default!;

    public ReasoningVisibilityPagesTests()
    {
        Services.AddSingleton(_host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>());
    }

    async Task IAsyncLifetime.InitializeAsync() => _admin = await _host.CreateUserAsync(UserRoles.Admin);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.DisposeAsync();
    }

    private void SignInAs(string id, string email, params string[] roles)
    {
        Authorization.SetAuthorized(email);
        Authorization.SetRoles(roles);
        Authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Email, email));
    }

    private static ClaimsPrincipal Principal(params string[] roles) =>
        new(new ClaimsIdentity(roles.Select(r => new Claim(ClaimTypes.Role, r)), "test"));

    private ReasoningVisibilityPolicy NewPolicy() =>
        _host.Services.CreateScope().ServiceProvider.GetRequiredService<ReasoningVisibilityPolicy>();

    private async Task<(List<RoleReasoningPolicy> Stored, List<AuditEntry> Audited)> StoredAsync()
    {
        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return (await db.ReasoningPolicies.AsNoTracking().ToListAsync(),
            await db.AuditLog.AsNoTracking().Where(e => e.Action == AuditActions.SettingsChanged).ToListAsync());
    }

    private static Run FinishedRunWithReasoning()
    {
        var run = new Run { Id = 7 };
        run.MoveTo(RunStatus.Running, DateTime.UtcNow);
        run.MoveTo(RunStatus.Succeeded, DateTime.UtcNow);
        run.Messages.Add(new Message { Id = 70, Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = Thought, Order = 0 });
        run.Messages.Add(new Message { Id = 71, Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "It is 4.", Order = 1 });
        return run;
    }

    [Fact]
    public async Task An_admin_changing_a_roles_setting_on_the_admin_page_stores_it_and_records_it_in_the_audit_log()
    {
        SignInAs(_admin.Id, _admin.Email, UserRoles.Admin);
        var page = Render<ReasoningPolicyPage>();
        page.WaitForElement("[data-testid=reasoning-policy-viewer]");
        var viewerSelect = page.FindComponents<MudBlazor.MudSelect<ReasoningVisibility>>()[UserRoles.All.ToList().IndexOf(UserRoles.Viewer)];

        await page.InvokeAsync(() => viewerSelect.Instance.ValueChanged.InvokeAsync(ReasoningVisibility.Hidden));

        page.WaitForAssertion(() => Assert.Single(StoredAsync().Result.Stored));
        var (stored, audited) = await StoredAsync();
        Assert.Equal((UserRoles.Viewer, ReasoningVisibility.Hidden), (stored[0].Role, stored[0].Visibility));
        var entry = Assert.Single(audited);
        Assert.Equal(_admin.Id, entry.ActorId);
        Assert.Equal("reasoning-visibility:viewer", entry.Target);
        Assert.Contains("Shown -> Hidden", entry.Details);
        Assert.Equal(ReasoningVisibility.Hidden, await NewPolicy().ForAsync(Principal(UserRoles.Viewer)));
        Assert.Equal(ReasoningVisibility.Shown, await NewPolicy().ForAsync(Principal(UserRoles.Reviewer)));
    }

    [Fact]
    public async Task A_non_admin_is_refused_and_an_unknown_role_or_visibility_is_rejected_and_nothing_is_stored()
    {
        var policy = NewPolicy();

        var byReviewer = await policy.SetAsync(Principal(UserRoles.Reviewer), UserRoles.Viewer, ReasoningVisibility.Hidden);
        var unknownRole = await policy.SetAsync(Principal(UserRoles.Admin), "superuser", ReasoningVisibility.Hidden);
        var unknownVisibility = await policy.SetAsync(Principal(UserRoles.Admin), UserRoles.Viewer, (ReasoningVisibility)42);

        Assert.Equal("Only admins can change who sees reasoning.", byReviewer);
        Assert.Contains("Unknown role 'superuser'", unknownRole);
        Assert.Contains("Unknown reasoning visibility '42'", unknownVisibility);
        var (stored, audited) = await StoredAsync();
        Assert.Empty(stored);
        Assert.Empty(audited);
    }

    [Fact]
    public async Task A_user_holding_several_roles_gets_the_most_permissive_setting_among_them()
    {
        var admin = Principal(UserRoles.Admin);
        Assert.Null(await NewPolicy().SetAsync(admin, UserRoles.Viewer, ReasoningVisibility.Hidden));
        Assert.Null(await NewPolicy().SetAsync(admin, UserRoles.Reviewer, ReasoningVisibility.Collapsed));

        Assert.Equal(ReasoningVisibility.Collapsed, await NewPolicy().ForAsync(Principal(UserRoles.Viewer, UserRoles.Reviewer)));
        Assert.Equal(ReasoningVisibility.Shown, await NewPolicy().ForAsync(Principal(UserRoles.Viewer, UserRoles.Admin)));
    }

    [Fact]
    public async Task With_a_roles_reasoning_hidden_the_chat_answer_and_the_transcript_render_no_reasoning_text_for_it()
    {
        Assert.Null(await NewPolicy().SetAsync(Principal(UserRoles.Admin), UserRoles.Viewer, ReasoningVisibility.Hidden));
        var viewer = await _host.CreateUserAsync(UserRoles.Viewer);
        SignInAs(viewer.Id, viewer.Email, UserRoles.Viewer);
        var run = FinishedRunWithReasoning();

        var chat = Render<ChatAnswer>(p => p.Add(c => c.Run, run).Add(c => c.Live, new LiveRun(run.Id)));
        var transcript = Render<TranscriptView>(p => p.Add(c => c.Messages, run.Messages.ToList()));

        chat.WaitForElement("[data-testid=reasoning-hidden]");
        transcript.WaitForElement("[data-testid=reasoning-hidden]");
        Assert.DoesNotContain(Thought, chat.Markup);
        Assert.DoesNotContain(Thought, transcript.Markup);
        Assert.Contains("It is 4.", chat.Markup);
        Assert.Contains("It is 4.", transcript.Markup);
    }

    [Fact]
    public async Task With_a_roles_reasoning_collapsed_the_transcript_shows_a_warning_and_the_text_only_after_the_click()
    {
        Assert.Null(await NewPolicy().SetAsync(Principal(UserRoles.Admin), UserRoles.Reviewer, ReasoningVisibility.Collapsed));
        var reviewer = await _host.CreateUserAsync(UserRoles.Reviewer);
        SignInAs(reviewer.Id, reviewer.Email, UserRoles.Reviewer);
        var run = FinishedRunWithReasoning();

        var transcript = Render<TranscriptView>(p => p.Add(c => c.Messages, run.Messages.ToList()));
        var warning = transcript.WaitForElement("[data-testid=reasoning-warning]");
        Assert.Contains("unfiltered model output", warning.TextContent);
        Assert.DoesNotContain(Thought, transcript.Markup);

        transcript.Find("button[data-testid=reveal-reasoning]").Click();

        Assert.Contains(Thought, transcript.Find("[data-testid=reasoning-body]").TextContent);
        Assert.Empty(transcript.FindAll("[data-testid=reasoning-warning]"));
    }

    [Fact]
    public async Task Without_any_setting_every_role_sees_reasoning()
    {
        var reviewer = await _host.CreateUserAsync(UserRoles.Reviewer);
        SignInAs(reviewer.Id, reviewer.Email, UserRoles.Reviewer);

        var transcript = Render<TranscriptView>(p => p.Add(c => c.Messages, FinishedRunWithReasoning().Messages.ToList()));

        Assert.Contains(Thought, transcript.WaitForElement("[data-testid=reasoning-body]").TextContent);
        Assert.All(UserRoles.All, role => Assert.Equal(ReasoningVisibility.Shown, NewPolicy().AllAsync().Result[role]));
    }
}
