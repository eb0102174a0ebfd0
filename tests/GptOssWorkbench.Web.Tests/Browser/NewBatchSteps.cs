namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

/// <summary>The last step of the new-batch form in a browser: create, and land on the new batch's page.</summary>
public static class NewBatchSteps
{
    /// <summary>
    /// Clicks "Create batch" and waits for the batch page; checks that exactly one batch was stored. A click the server
    /// never handled is clicked once more, as a person would: CI once saw no navigation after this click, and the form
    /// tells an unhandled click apart from everything else. While the server creates, the button is disabled; after it
    /// created, the form is gone; a refused batch shows an error; a failed circuit shows Blazor's error bar. Only with
    /// the same enabled button, the same preview and no error did nothing reach the server.
    /// </summary>
    public static async Task CreateAndOpenAsync(IPage page, WorkbenchHost host)
    {
        var before = await CountBatchesAsync(host);
        var create = page.GetByTestId("batch-create");
        await create.ClickAsync();
        if (!await NavigatesWithinAsync(page, TimeSpan.FromSeconds(10)) && await UntouchedAsync(page, create))
        {
            Console.WriteLine($"NewBatchSteps: no navigation 10 s after clicking 'Create batch' and the form untouched; clicking again ({page.Url}).");
            await create.ClickAsync();
        }
        await page.WaitForUrlOrExplainAsync("**/batches/*", host);
        Assert.Equal(before + 1, await CountBatchesAsync(host));
    }

    private static async Task<bool> NavigatesWithinAsync(IPage page, TimeSpan wait)
    {
        try
        {
            await page.WaitForURLAsync("**/batches/*", new() { Timeout = (float)wait.TotalMilliseconds });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task<bool> UntouchedAsync(IPage page, ILocator create) =>
        await create.IsVisibleAsync() && await create.IsEnabledAsync()
        && await page.GetByTestId("batch-error").CountAsync() == 0 && !await page.Locator("#blazor-error-ui").IsVisibleAsync();

    private static async Task<int> CountBatchesAsync(WorkbenchHost host)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.BatchJobs.CountAsync();
    }
}
