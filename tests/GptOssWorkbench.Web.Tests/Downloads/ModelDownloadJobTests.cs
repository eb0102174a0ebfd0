namespace GptOssWorkbench.Web.Tests.Downloads;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Pipeline.Downloads;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Web.Tests.Hosting;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>The Models page's download job on the real host (Hangfire, SQLite) against the fake hub on loopback.</summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class ModelDownloadJobTests : IAsyncLifetime
{
    private FakeHub _hub = null!;
    private WorkbenchHost _host = null!;

    private ModelDownloadService Downloads => _host.Services.GetRequiredService<ModelDownloadService>();
    private ModelCatalog Catalog => _host.Services.GetRequiredService<ModelCatalog>();

    public async Task InitializeAsync()
    {
        _hub = await FakeHub.StartAsync(TinyModel.FolderPath);
        _host = WorkbenchHost.Start(temp => new Dictionary<string, string?>
        {
            ["Hub:Endpoint"] = _hub.Endpoint,
            ["Hub:DownloadRoot"] = Path.Combine(temp, "downloads"),
            ["Hub:ProgressInterval"] = "00:00:00.100",
        });
    }

    public async Task DisposeAsync()
    {
        _hub.HoldMidFile?.TrySetResult();
        await _host.DisposeAsync();
        await _hub.DisposeAsync();
    }

    private Task<ModelDownload> Request(string revision = "main") =>
        Downloads.RequestAsync(new ModelDownloadRequest(FakeHub.Repo, revision, [], null, "admin@example.test"));

    [Fact]
    public async Task A_download_completes_registers_the_folder_as_a_model_and_audits_it_while_a_second_request_is_refused()
    {
        _hub.HoldMidFile = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var download = await Request();
        Assert.Equal(Path.Combine(_host.TempDirectory, "downloads", "openai--gpt-oss-tiny"), download.TargetFolder);

        var inFlight = await PipelineWaits.WaitForDownloadAsync(_host.Services, download.Id, d => d.Status == ModelDownloadStatus.Downloading && d.BytesDone > 0);
        Assert.True(inFlight.BytesTotal > inFlight.BytesDone);
        Assert.False(Directory.Exists(download.TargetFolder)); // half a model never looks like a model folder
        var refused = await Assert.ThrowsAsync<ModelDownloadRefusedException>(() => Request());
        Assert.Contains($"{FakeHub.Repo}@main is already being downloaded (download {download.Id}", refused.Message);
        // The database refuses a second active row too, for two requests that pass the check at the same moment.
        await using (var db = await _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            db.ModelDownloads.Add(new ModelDownload { Repo = FakeHub.Repo, Revision = "main", TargetFolder = "/elsewhere", CreatedAt = DateTime.UtcNow });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        _hub.HoldMidFile.SetResult();
        var done = await PipelineWaits.WaitForDownloadAsync(_host.Services, download.Id, d => !d.IsActive);

        Assert.True(done.Status == ModelDownloadStatus.Completed, done.Error);
        Assert.Equal(FakeHub.Commit, done.Commit);
        Assert.Equal(done.BytesTotal, done.BytesDone);
        Assert.Equal(FakeHub.Repo, done.ModelName);
        var model = Assert.Single(await Catalog.ListAsync(), m => m.Name == FakeHub.Repo);
        Assert.Equal(download.TargetFolder, model.FolderPath);
        Assert.Equal(Web.Models.CheckpointFacts.Inspect(TinyModel.FolderPath).Fingerprint, model.WeightsFingerprint);
        await using (var db = await _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var added = await db.AuditLog.SingleAsync(e => e.Action == AuditActions.ModelAdded);
            Assert.Equal($"model:{FakeHub.Repo}", added.Target);
            Assert.Equal("admin@example.test", added.Actor);
            Assert.Contains(FakeHub.Commit, added.Details);
        }

        // Finished, the same repo may be requested again: the verified folder is found and nothing is fetched twice.
        var cdnBefore = _hub.Requests.Count(r => r.Server == "cdn");
        var again = await Request();
        var second = await PipelineWaits.WaitForDownloadAsync(_host.Services, again.Id, d => !d.IsActive);
        Assert.True(second.Status == ModelDownloadStatus.Completed, second.Error);
        Assert.Equal(cdnBefore, _hub.Requests.Count(r => r.Server == "cdn"));
        Assert.Single(await Catalog.ListAsync(), m => m.Name == FakeHub.Repo);
    }

    [Fact]
    public async Task An_unknown_revision_ends_failed_with_the_hubs_reason_and_registers_nothing()
    {
        var download = await Request("no-such-branch");

        var failed = await PipelineWaits.WaitForDownloadAsync(_host.Services, download.Id, d => !d.IsActive);

        Assert.Equal(ModelDownloadStatus.Failed, failed.Status);
        Assert.Contains($"Revision 'no-such-branch' does not exist in {FakeHub.Repo} (404)", failed.Error);
        Assert.NotNull(failed.FinishedAt);
        Assert.Empty(await Catalog.ListAsync());
        Assert.False(Directory.Exists(download.TargetFolder));
    }

    [Fact]
    public async Task A_cancelled_download_ends_cancelled_removes_its_partial_files_and_registers_nothing()
    {
        _hub.HoldMidFile = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var download = await Request();
        await PipelineWaits.WaitForDownloadAsync(_host.Services, download.Id, d => d.BytesDone > 0);

        Assert.True(await Downloads.CancelAsync(download.Id));
        var cancelled = await PipelineWaits.WaitForDownloadAsync(_host.Services, download.Id, d => !d.IsActive);

        Assert.Equal(ModelDownloadStatus.Cancelled, cancelled.Status);
        Assert.Empty(await Catalog.ListAsync());
        Assert.False(Directory.Exists(download.TargetFolder));
        Assert.False(Directory.Exists(HubDownloader.PartialDirectory(download.TargetFolder)));
    }

    [Fact]
    public async Task A_repo_that_is_not_owner_slash_name_is_refused_before_anything_is_stored()
    {
        var refused = await Assert.ThrowsAsync<ModelDownloadRefusedException>(() =>
            Downloads.RequestAsync(new ModelDownloadRequest("../etc", "main", [], null, "admin@example.test")));

        Assert.Contains("is not a hub repo id", refused.Message);
        Assert.Empty(await Downloads.RecentAsync());
    }

    [Fact]
    public async Task Only_admins_get_the_download_panel_and_the_add_folder_form_on_the_models_page()
    {
        var (admin, _) = await _host.SignedInClientAsync("admin");
        var (reviewer, _) = await _host.SignedInClientAsync("reviewer");
        using (admin)
        using (reviewer)
        {
            var adminPage = await admin.GetStringAsync("/models");
            Assert.Contains("data-testid=\"download-start\"", adminPage);
            Assert.Contains("Add a model folder", adminPage);
            var reviewerPage = await reviewer.GetStringAsync("/models");
            Assert.Contains("Models", reviewerPage); // the page itself did render
            Assert.DoesNotContain("data-testid=\"model-download\"", reviewerPage);
            Assert.DoesNotContain("Add a model folder", reviewerPage);
        }
    }

    [Fact]
    public async Task A_download_a_restart_interrupted_resumes_from_its_partial_files_when_recovered()
    {
        // What a killed embedded host leaves: a row still Downloading (its in-memory job gone) and half a file on disk.
        var target = Downloads.TargetFolder(FakeHub.Repo, "main");
        var partial = HubDownloader.PartialDirectory(target);
        Directory.CreateDirectory(partial);
        var weights = _hub.Bytes("model.safetensors");
        File.WriteAllBytes(Path.Combine(partial, "model.safetensors.incomplete"), weights[..(weights.Length / 2)]);
        long id;
        await using (var db = await _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var row = new ModelDownload
            {
                Repo = FakeHub.Repo, Revision = "main", TargetFolder = target, Status = ModelDownloadStatus.Downloading, JobId = "lost-job",
                RequestedBy = "admin@example.test", CreatedAt = DateTime.UtcNow,
            };
            db.ModelDownloads.Add(row);
            await db.SaveChangesAsync();
            id = row.Id;
        }

        await Downloads.RecoverAsync(requeueRunning: true);
        var done = await PipelineWaits.WaitForDownloadAsync(_host.Services, id, d => !d.IsActive);

        Assert.True(done.Status == ModelDownloadStatus.Completed, done.Error);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(target, "model.safetensors")));
        Assert.Contains(_hub.Requests, r => r.Server == "cdn" && r.Range == $"bytes={weights.Length / 2}-" && r.Status == 206);
        Assert.Single(await Catalog.ListAsync(), m => m.Name == FakeHub.Repo);
    }
}
