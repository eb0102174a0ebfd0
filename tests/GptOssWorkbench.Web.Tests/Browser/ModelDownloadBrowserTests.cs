namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Web.Tests.Downloads;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>
/// "Download a model" on the Models page against the fake hub. Its own host (the collection's shared one knows no hub),
/// in the Workbench collection so no other host runs jobs at the same time.
/// </summary>
[Collection(WorkbenchCollection.Name)]
public sealed class ModelDownloadBrowserTests(ChromiumFixture chromium) : BrowserTest, IAsyncLifetime
{
    protected override ChromiumFixture Browser => chromium;

    private FakeHub _hub = null!;
    private WorkbenchHost _host = null!;
    private IPage? _page;

    async Task IAsyncLifetime.InitializeAsync()
    {
        _hub = await FakeHub.StartAsync(TinyModel.FolderPath);
        _host = WorkbenchHost.Start(temp => new Dictionary<string, string?>
        {
            ["Hub:Endpoint"] = _hub.Endpoint,
            ["Hub:DownloadRoot"] = Path.Combine(temp, "downloads"),
            ["Hub:ProgressInterval"] = "00:00:00.200",
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            await DisposeAsync(); // the Content-Security-Policy check of BrowserTest
        }
        finally
        {
            _hub.HoldMidFile?.TrySetResult();
            // Close the page first: its open circuit kept this host's shutdown past its timeout now and then.
            if (_page is not null) await _page.Context.CloseAsync();
            await _host.DisposeAsync();
            await _hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_admin_downloads_a_model_watches_its_progress_across_a_reload_and_sees_it_added()
    {
        _hub.HoldMidFile = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var page = _page = await chromium.NewPageAsync(_host.BaseAddress);
        page.SetDefaultTimeout(60_000);
        var admin = await _host.CreateUserAsync("admin");
        await TestAccounts.SignInAsync(page, admin);
        await page.GotoAsync("/models");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        await page.GetByTestId("download-repo").FillAsync(FakeHub.Repo);
        await page.GetByTestId("download-start").ClickAsync();

        var row = page.GetByTestId("download-row").First;
        await Expect(row.GetByTestId("download-status")).ToHaveTextAsync("downloading");
        await Expect(row.GetByTestId("download-bytes")).ToContainTextAsync("files,");
        await Expect(row.GetByTestId("download-progress")).ToBeVisibleAsync();

        // The bar reads the stored row: a reload shows the same download still in flight.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await Expect(row.GetByTestId("download-status")).ToHaveTextAsync("downloading");
        await Expect(row.GetByTestId("download-repo-name")).ToHaveTextAsync($"{FakeHub.Repo}@main");

        // A second click on the same repo is refused with the reason.
        await page.GetByTestId("download-repo").FillAsync(FakeHub.Repo);
        await page.GetByTestId("download-start").ClickAsync();
        await Expect(page.GetByTestId("download-error")).ToContainTextAsync("is already being downloaded");
        await Expect(page.GetByTestId("download-row")).ToHaveCountAsync(1);

        _hub.HoldMidFile.SetResult();
        await Expect(row.GetByTestId("download-status")).ToHaveTextAsync("completed");
        await Expect(row.GetByTestId("download-done")).ToContainTextAsync($"added as {FakeHub.Repo}");
        // The page lists and inspects the new model without a reload.
        var card = page.GetByTestId("model-card").Filter(new() { Has = page.GetByTestId("model-name").GetByText(FakeHub.Repo, new() { Exact = true }) });
        await Expect(card.GetByTestId("model-facts")).ToContainTextAsync("parameters");
        await Expect(card.GetByTestId("model-params")).ToContainTextAsync("layers");

        await using var db = await _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditLog.Where(e => e.Action == AuditActions.ModelDownloadRequested || e.Action == AuditActions.ModelAdded).ToListAsync();
        Assert.Equal([AuditActions.ModelDownloadRequested, AuditActions.ModelAdded], audit.OrderBy(e => e.Id).Select(e => e.Action));
        Assert.All(audit, e => Assert.Equal(admin.Email, e.Actor));
    }
}
