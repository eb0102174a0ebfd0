namespace GptOssWorkbench.Web.Tests.Batches;

using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Bunit;
using CsvHelper;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Updates;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Batches;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Review;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Flagged runs and the batch downloads, on a real host: JSONL and CSV (for programs and for spreadsheets) leave flagged
/// runs out unless the exporter asks for them, and then every flagged row says its kind and note; the batch page's
/// downloads do the same with their checkbox and audit which flagged runs left the workspace.
/// </summary>
public sealed class BatchFlagExportTests : WorkbenchComponentTest, IAsyncLifetime
{
    private const string FlaggedPrompt = "What is Ann's home address?";
    private readonly WorkbenchHost _host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Jobs:RunServerInProcess"] = "false" });

    public BatchFlagExportTests()
    {
        Services.AddSingleton(_host.Database());
        Services.AddSingleton(_host.Services.GetRequiredService<BatchService>());
        Services.AddSingleton(_host.Services.GetRequiredService<RunUpdates>());
        Services.AddScoped<CurrentReviewer>();
        Services.AddScoped<RunFlags>();
        // The batch page's replay box: the host's own service.
        Services.AddSingleton(_host.Services.GetRequiredService<GptOssWorkbench.Pipeline.Replays.ReplayService>());
        Services.AddSingleton(_host.Services.GetRequiredService<GptOssWorkbench.Pipeline.Branches.BranchService>());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.DisposeAsync();
    }

    /// <summary>A batch of three runs, the middle one flagged PII with a note.</summary>
    private async Task<(long BatchId, long[] RunIds)> SeedAsync()
    {
        var flagger = await _host.CreateUserAsync(UserRoles.Reviewer);
        var seeded = await _host.SeedBatchAsync(["2+2?", FlaggedPrompt, "3+3?"]);
        await _host.FlagAsync(seeded.RunIds[1], RunFlagKind.Pii, "=names a real person", flagger.Id);
        return seeded;
    }

    private sealed record Row(string Prompt, string? Flag, string? FlagNote);

    private static List<Row> ReadJsonl(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement)
        .Select(r => new Row(r.GetProperty("prompt").GetString()!, r.GetProperty("flag").GetString(), r.GetProperty("flag_note").GetString()))
        .ToList();

    private static List<Row> ReadCsv(string text)
    {
        using var csv = CsvReader.FromText(text, new CsvReaderOptions { Separator = ',', HasHeader = true });
        var headers = csv.Headers.ToList();
        var rows = new List<Row>();
        while (csv.Read())
            rows.Add(new Row(csv.GetString(headers.IndexOf("prompt")), NullIfEmpty(csv.GetString(headers.IndexOf("flag"))),
                NullIfEmpty(csv.GetString(headers.IndexOf("flag_note")))));
        return rows;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    [Theory]
    [InlineData("jsonl")]
    [InlineData("csv-exact")]
    [InlineData("csv-spreadsheet")]
    public async Task Each_batch_export_leaves_flagged_runs_out_by_default_and_with_include_flagged_carries_their_kind_and_note(string format)
    {
        var (batch, runs) = await SeedAsync();
        var batches = _host.Services.GetRequiredService<BatchService>();

        async Task<(List<Row> Rows, BatchExportSummary Summary)> ExportAsync(bool includeFlagged)
        {
            using var output = new MemoryStream();
            var summary = format switch
            {
                "jsonl" => await batches.ExportJsonlAsync(batch, output, includeFlagged: includeFlagged),
                "csv-exact" => await batches.ExportCsvAsync(batch, output, target: CsvTarget.Exact, includeFlagged: includeFlagged),
                _ => await batches.ExportCsvAsync(batch, output, target: CsvTarget.Spreadsheet, includeFlagged: includeFlagged),
            };
            var text = Encoding.UTF8.GetString(output.ToArray());
            return (format == "jsonl" ? ReadJsonl(text) : ReadCsv(text), summary);
        }

        var (byDefault, defaultSummary) = await ExportAsync(includeFlagged: false);
        var (asked, askedSummary) = await ExportAsync(includeFlagged: true);

        Assert.Equal([new Row("2+2?", null, null), new Row("3+3?", null, null)], byDefault);
        Assert.Equal((2, 1), (defaultSummary.Rows, defaultSummary.FlaggedLeftOut));
        Assert.Empty(defaultSummary.FlaggedIncluded);
        // The spreadsheet CSV quotes the note's leading "=" like any other formula-like cell; the others keep it exact.
        var note = format == "csv-spreadsheet" ? "'=names a real person" : "=names a real person";
        Assert.Equal([new Row("2+2?", null, null), new Row(FlaggedPrompt, "pii", note), new Row("3+3?", null, null)], asked);
        Assert.Equal((3, 0), (askedSummary.Rows, askedSummary.FlaggedLeftOut));
        Assert.Equal([new FlaggedRun(runs[1], RunFlagKind.Pii)], askedSummary.FlaggedIncluded);
    }

    [Fact]
    public async Task The_batch_page_downloads_without_flagged_runs_unless_ticked_and_audits_the_flagged_runs_it_let_out()
    {
        var (batch, runs) = await SeedAsync();
        var exporter = await _host.CreateUserAsync(UserRoles.Viewer);
        Authorization.SetAuthorized(exporter.Email);
        Authorization.SetRoles(UserRoles.Viewer);
        Authorization.SetPolicies(WorkbenchPolicies.Viewer);
        Authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, exporter.Id), new Claim(ClaimTypes.Email, exporter.Email));
        var page = Render<BatchPage>(p => p.Add(c => c.BatchId, batch));
        page.WaitForElement("[data-testid=batch-include-flagged]");
        Assert.Equal("Include 1 flagged", page.FindComponent<MudBlazor.MudCheckBox<bool>>().Instance.Label);
        string LastDownload() => (string)JSInterop.Invocations["workbench.download"].Last().Arguments[2]!;

        page.Find("[data-testid=batch-download-jsonl]").Click();
        page.WaitForAssertion(() => Assert.Single(JSInterop.Invocations["workbench.download"]));
        Assert.DoesNotContain(FlaggedPrompt, LastDownload());
        Assert.Equal(2, ReadJsonl(LastDownload()).Count);

        await page.InvokeAsync(() => page.FindComponent<MudBlazor.MudCheckBox<bool>>().Instance.ValueChanged.InvokeAsync(true));
        page.Find("[data-testid=batch-download-csv]").Click();
        page.WaitForAssertion(() => Assert.Equal(2, JSInterop.Invocations["workbench.download"].Count));
        Assert.Contains(new Row(FlaggedPrompt, "pii", "'=names a real person"), ReadCsv(LastDownload()));

        var exported = await _host.AuditAsync(AuditActions.BatchExported);
        Assert.Equal([$"downloaded as batch-{batch}.jsonl; 1 flagged run left out", $"downloaded as batch-{batch}.csv"], exported.Select(e => e.Details));
        var flagged = Assert.Single(await _host.AuditAsync(AuditActions.FlaggedRunsExported));
        Assert.Equal((exporter.Id, exporter.Email, $"batch:{batch}"), (flagged.ActorId, flagged.Actor, flagged.Target));
        Assert.Equal($"batch-{batch}.csv included 1 flagged run: run {runs[1]} (PII)", flagged.Details);
    }
}
