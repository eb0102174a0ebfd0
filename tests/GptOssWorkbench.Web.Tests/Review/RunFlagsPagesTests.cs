namespace GptOssWorkbench.Web.Tests.Review;

using System.Security.Claims;
using Bunit;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Flagging runs on a real host's services and SQLite file: a reviewer flags a run on its transcript (kind + note), the
/// flag shows as a chip there and in the run list, which can show only flagged runs or hide them; only the flagger
/// changes a flag, the flagger or an admin removes it; bad input is refused with a sentence and stores nothing; every
/// change lands in the audit log under the person who made it.
/// </summary>
public sealed class RunFlagsPagesTests : WorkbenchComponentTest, IAsyncLifetime
{
    private readonly WorkbenchHost _host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" });

    public RunFlagsPagesTests()
    {
        Services.AddSingleton(_host.Database());
        Services.AddScoped<CurrentReviewer>();
        Services.AddScoped<RunFlags>();
        // The transcript page's replay box: the host's own services.
        Services.AddSingleton(_host.Services.GetRequiredService<GptOssWorkbench.Pipeline.Updates.RunUpdates>());
        Services.AddSingleton(_host.Services.GetRequiredService<GptOssWorkbench.Pipeline.Replays.ReplayService>());
        Services.AddSingleton(_host.Services.GetRequiredService<GptOssWorkbench.Pipeline.Branches.BranchService>());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.DisposeAsync();
    }

    private async Task<TestAccounts.TestUser> SignInAsync(string role)
    {
        var user = await _host.CreateUserAsync(role);
        Authorization.SetAuthorized(user.Email);
        Authorization.SetRoles(role);
        Authorization.SetPolicies(role switch
        {
            UserRoles.Admin => [WorkbenchPolicies.Viewer, WorkbenchPolicies.Reviewer, WorkbenchPolicies.Admin],
            UserRoles.Reviewer => [WorkbenchPolicies.Viewer, WorkbenchPolicies.Reviewer],
            _ => [WorkbenchPolicies.Viewer],
        });
        Authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id), new Claim(ClaimTypes.Email, user.Email));
        return user;
    }

    private IRenderedComponent<TranscriptPage> OpenTranscript(long runId)
    {
        var page = Render<TranscriptPage>(p => p.Add(c => c.RunId, runId));
        page.WaitForElement("[data-testid=flag-panel]");
        return page;
    }

    private static Task ChooseKindAsync(IRenderedComponent<TranscriptPage> page, RunFlagKind kind) =>
        page.InvokeAsync(() => page.FindComponent<MudBlazor.MudSelect<RunFlagKind>>().Instance.ValueChanged.InvokeAsync(kind));

    [Fact]
    public async Task A_reviewer_flags_a_run_changes_the_flag_and_removes_it_and_each_step_shows_is_stored_and_is_audited()
    {
        var reviewer = await SignInAsync(UserRoles.Reviewer);
        var (_, runs) = await _host.SeedBatchAsync(["Where does Ann live?"]);
        var page = OpenTranscript(runs[0]);
        Assert.Empty(page.FindAll("[data-testid=run-flag]"));

        await ChooseKindAsync(page, RunFlagKind.Pii);
        page.Find("[data-testid=flag-note]").Input("  the answer holds a home address  ");
        page.Find("[data-testid=flag-save]").Click();

        page.WaitForAssertion(() => Assert.Equal("flagged PII", page.Find("[data-testid=run-flag]").TextContent.Trim()));
        Assert.Contains("the answer holds a home address", page.Find("[data-testid=flag-note-text]").TextContent);
        var stored = await _host.StoredFlagAsync(runs[0]);
        Assert.NotNull(stored);
        Assert.Equal((RunFlagKind.Pii, "the answer holds a home address", reviewer.Id), (stored.Kind, stored.Note, stored.FlaggedByUserId));

        await ChooseKindAsync(page, RunFlagKind.Other);
        page.Find("[data-testid=flag-save]").Click();
        page.WaitForAssertion(() => Assert.Equal("flagged other", page.Find("[data-testid=run-flag]").TextContent.Trim()));

        page.Find("[data-testid=flag-remove]").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=run-flag]")));
        Assert.Null(await _host.StoredFlagAsync(runs[0]));

        var entries = await _host.AuditAsync(AuditActions.RunFlagged, AuditActions.RunUnflagged);
        Assert.Equal([AuditActions.RunFlagged, AuditActions.RunFlagged, AuditActions.RunUnflagged], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal((reviewer.Id, reviewer.Email, $"run:{runs[0]}"), (e.ActorId, e.Actor, e.Target)));
        Assert.Equal("flagged PII (note: the answer holds a home address)", entries[0].Details);
        Assert.StartsWith("changed the flag PII -> other", entries[1].Details);
        Assert.StartsWith($"removed the other flag set by {reviewer.Email}", entries[2].Details);
    }

    [Fact]
    public async Task A_note_over_500_characters_and_an_unknown_kind_are_refused_with_a_clear_message_and_store_nothing()
    {
        await SignInAsync(UserRoles.Reviewer);
        var (_, runs) = await _host.SeedBatchAsync(["Tell me a secret"]);
        var page = OpenTranscript(runs[0]);

        page.Find("[data-testid=flag-note]").Input(new string('x', RunFlag.MaxNoteLength + 1));
        page.Find("[data-testid=flag-save]").Click();

        page.WaitForAssertion(() => Assert.Contains("501 characters long; keep it to 500", page.Find("[data-testid=flag-error]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=run-flag]"));
        var flags = Services.GetRequiredService<RunFlags>();
        Assert.Equal("Unknown flag kind '42': a run is flagged as unsafe, PII or other.", await flags.FlagAsync(runs[0], (RunFlagKind)42, null));
        Assert.Equal("Run 987654 does not exist (it may have been deleted).", await flags.FlagAsync(987654, RunFlagKind.Unsafe, null));
        Assert.Null(await _host.StoredFlagAsync(runs[0]));
        Assert.Empty(await _host.AuditAsync(AuditActions.RunFlagged));
    }

    [Fact]
    public async Task Another_reviewer_can_neither_change_nor_remove_a_flag_they_did_not_set()
    {
        var flagger = await _host.CreateUserAsync(UserRoles.Reviewer);
        var (_, runs) = await _host.SeedBatchAsync(["How do I pick a lock?"]);
        await _host.FlagAsync(runs[0], RunFlagKind.Unsafe, "lock picking", flagger.Id);
        await SignInAsync(UserRoles.Reviewer);

        var page = OpenTranscript(runs[0]);

        Assert.Equal("flagged unsafe", page.Find("[data-testid=run-flag]").TextContent.Trim());
        Assert.Contains("unsafe", page.Find("[data-testid=flag-summary]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=flag-remove]"));
        Assert.Empty(page.FindAll("[data-testid=flag-save]"));
        var flags = Services.GetRequiredService<RunFlags>();
        Assert.Equal($"Only {flagger.Email}, who flagged run {runs[0]}, or an admin can remove its flag.", await flags.UnflagAsync(runs[0]));
        Assert.StartsWith($"Run {runs[0]} is already flagged unsafe by {flagger.Email}", await flags.FlagAsync(runs[0], RunFlagKind.Other, "not unsafe"));
        var stored = await _host.StoredFlagAsync(runs[0]);
        Assert.Equal((RunFlagKind.Unsafe, "lock picking", flagger.Id), (stored!.Kind, stored.Note, stored.FlaggedByUserId));
        Assert.Empty(await _host.AuditAsync(AuditActions.RunFlagged, AuditActions.RunUnflagged));
    }

    [Fact]
    public async Task An_admin_removes_a_reviewers_flag_and_the_log_names_both()
    {
        var flagger = await _host.CreateUserAsync(UserRoles.Reviewer);
        var (_, runs) = await _host.SeedBatchAsync(["My card number is 4111 1111 1111 1111"]);
        await _host.FlagAsync(runs[0], RunFlagKind.Pii, null, flagger.Id);
        var admin = await SignInAsync(UserRoles.Admin);

        var page = OpenTranscript(runs[0]);
        page.Find("[data-testid=flag-remove]").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=run-flag]")));
        Assert.Null(await _host.StoredFlagAsync(runs[0]));
        var entry = Assert.Single(await _host.AuditAsync(AuditActions.RunUnflagged));
        Assert.Equal((admin.Id, $"run:{runs[0]}", $"removed the PII flag set by {flagger.Email}"), (entry.ActorId, entry.Target, entry.Details));
    }

    [Fact]
    public async Task A_viewer_sees_the_flag_but_gets_no_editor_and_cannot_flag()
    {
        var flagger = await _host.CreateUserAsync(UserRoles.Reviewer);
        var (_, runs) = await _host.SeedBatchAsync(["first", "second"]);
        await _host.FlagAsync(runs[0], RunFlagKind.Other, "off topic", flagger.Id);
        await SignInAsync(UserRoles.Viewer);

        var page = OpenTranscript(runs[0]);

        Assert.Equal("flagged other", page.Find("[data-testid=run-flag]").TextContent.Trim());
        foreach (var editor in new[] { "flag-kind", "flag-note", "flag-save", "flag-remove" })
            Assert.Empty(page.FindAll($"[data-testid={editor}]"));
        var flags = Services.GetRequiredService<RunFlags>();
        Assert.Equal("Viewers cannot flag runs: ask an admin for the reviewer role.", await flags.FlagAsync(runs[1], RunFlagKind.Unsafe, null));
        Assert.Null(await _host.StoredFlagAsync(runs[1]));
    }

    [Fact]
    public async Task The_review_queue_marks_a_flagged_run_with_its_chip()
    {
        var flagger = await _host.CreateUserAsync(UserRoles.Reviewer);
        var (batch, runs) = await _host.SeedBatchAsync(["flagged first", "clean second"]);
        await _host.FlagAsync(runs[0], RunFlagKind.Unsafe, null, flagger.Id);
        await SignInAsync(UserRoles.Reviewer);

        var page = Render<ReviewQueuePage>(p => p.Add(c => c.BatchId, batch));

        page.WaitForAssertion(() => Assert.Contains("flagged first", page.Find("[data-testid=transcript]").TextContent));
        Assert.Equal("flagged unsafe", page.Find("[data-testid=run-flag]").TextContent.Trim());
        page.Find("[data-testid=queue-skip]").Click();
        page.WaitForAssertion(() => Assert.Contains("clean second", page.Find("[data-testid=transcript]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=run-flag]"));
    }

    [Fact]
    public async Task The_run_list_marks_flagged_runs_and_its_flag_filter_shows_only_them_or_hides_them()
    {
        var flagger = await _host.CreateUserAsync(UserRoles.Reviewer);
        var (batch, runs) = await _host.SeedBatchAsync(["clean one", "flagged one", "clean two"]);
        await _host.FlagAsync(runs[1], RunFlagKind.Unsafe, "dangerous", flagger.Id);
        await SignInAsync(UserRoles.Reviewer);
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"review?batch={batch}");

        var page = Render<ReviewPage>();
        string[] Prompts() => page.FindAll("[data-testid=run-prompt]").Select(c => c.TextContent).ToArray();
        page.WaitForAssertion(() => Assert.Equal(["clean two", "flagged one", "clean one"], Prompts()));
        var row = page.FindAll("[data-testid=run-table] tbody tr").Single(r => r.TextContent.Contains("flagged one"));
        Assert.Equal("flagged unsafe", row.QuerySelector("[data-testid=run-flag]")!.TextContent.Trim());
        Assert.Single(page.FindAll("[data-testid=run-flag]"));

        var filter = page.FindComponent<MudBlazor.MudSelect<FlagFilter>>();
        await page.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync(FlagFilter.Flagged));
        page.WaitForAssertion(() => Assert.Equal(["flagged one"], Prompts()));

        await page.InvokeAsync(() => filter.Instance.ValueChanged.InvokeAsync(FlagFilter.Unflagged));
        page.WaitForAssertion(() => Assert.Equal(["clean two", "clean one"], Prompts()));
        Assert.Empty(page.FindAll("[data-testid=run-flag]"));
        Assert.EndsWith($"review?batch={batch}&flag=unflagged", (string)JSInterop.Invocations["workbench.replaceAddressIfOn"].Last().Arguments[1]!);
    }
}
