namespace GptOssWorkbench.Web.Tests.Batches;

using Bunit;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Web.Batches;
using GptOssWorkbench.Web.Review;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The new-batch form on a real host's services and SQLite file: a file the importer refuses and a database that
/// refuses the batch both end in an error on the form with nothing stored, and the same file can then be sent again.
/// </summary>
public sealed class NewBatchFormTests : WorkbenchComponentTest, IAsyncLifetime
{
    private readonly WorkbenchHost _host = WorkbenchHost.Start();

    public NewBatchFormTests()
    {
        Services.AddSingleton(_host.Services.GetRequiredService<BatchService>());
        Services.AddSingleton(_host.Services.GetRequiredService<ModelCatalog>());
        Services.AddSingleton(DbFactory);
        Services.AddScoped<CurrentReviewer>();
        Services.AddLogging();
    }

    private IDbContextFactory<WorkbenchDbContext> DbFactory => _host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();

    private async Task<IRenderedComponent<NewBatchForm>> RenderWithModelAndFileAsync(string csv)
    {
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            db.RegisteredModels.Add(new RegisteredModel { Name = "tiny", FolderPath = _host.TempDirectory, Layout = "huggingface", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var form = Render<NewBatchForm>();
        form.WaitForState(() => form.FindComponents<InputFile>().Count == 1);
        form.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(csv, "questions.csv"));
        return form;
    }

    private async Task<(int Batches, int Items, int Runs)> StoredAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        return (await db.BatchJobs.CountAsync(), await db.BatchItems.CountAsync(), await db.Runs.CountAsync());
    }

    [Fact]
    public async Task A_database_that_refuses_the_batch_gives_an_error_stores_nothing_and_the_file_can_be_sent_again()
    {
        var form = await RenderWithModelAndFileAsync("prompt\nWhat is 2 + 2?\nWhat is 3 + 4?\n");
        form.WaitForAssertion(() => Assert.Equal(2, form.FindAll("[data-testid=batch-preview-row]").Count));
        // The database refuses the runs after the batch and its items were written in the same transaction.
        await using (var db = await DbFactory.CreateDbContextAsync())
            await db.Database.ExecuteSqlRawAsync("CREATE TRIGGER refuse_runs BEFORE INSERT ON Runs BEGIN SELECT RAISE(ABORT, 'runs refused by the test'); END;");
        var navigation = Services.GetRequiredService<NavigationManager>();
        var before = navigation.Uri;

        form.Find("[data-testid=batch-create]").Click();

        form.WaitForAssertion(() => Assert.Contains("nothing was stored", form.Find("[data-testid=batch-error]").TextContent));
        Assert.Contains("runs refused by the test", form.Find("[data-testid=batch-error]").TextContent);
        Assert.Equal((0, 0, 0), await StoredAsync());
        Assert.Equal(before, navigation.Uri);
        // The preview and the file stay, so the user can send it again once the database takes writes.
        Assert.Equal(2, form.FindAll("[data-testid=batch-preview-row]").Count);

        await using (var db = await DbFactory.CreateDbContextAsync())
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER refuse_runs;");
        form.Find("[data-testid=batch-create]").Click();

        form.WaitForAssertion(() => Assert.Matches(@"/batches/\d+$", navigation.Uri));
        Assert.Equal((1, 2, 2), await StoredAsync());
        await using (var db = await DbFactory.CreateDbContextAsync())
            Assert.EndsWith($"/batches/{(await db.BatchJobs.SingleAsync()).Id}", navigation.Uri);
    }

    [Fact]
    public async Task A_file_the_importer_refuses_is_named_in_the_error_and_nothing_is_stored()
    {
        var form = await RenderWithModelAndFileAsync("question\nWhat is 2 + 2?\n");

        form.WaitForAssertion(() => Assert.Contains("questions.csv", form.Find("[data-testid=batch-error]").TextContent));
        Assert.Contains("prompt", form.Find("[data-testid=batch-error]").TextContent);
        Assert.Empty(form.FindAll("[data-testid=batch-preview-row]"));
        Assert.Empty(form.FindAll("[data-testid=batch-create]"));
        Assert.Equal((0, 0, 0), await StoredAsync());
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _host.DisposeAsync();
    }
}
