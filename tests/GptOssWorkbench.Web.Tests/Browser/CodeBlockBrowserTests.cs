namespace GptOssWorkbench.Web.Tests.Browser;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>Highlighted code in an answer, in a real browser: colours applied, no injected script ran, copy button copies the code.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class CodeBlockBrowserTests(WorkbenchHostFixture host, ChromiumFixture chromium) : BrowserTest
{
    protected override ChromiumFixture Browser => chromium;

    private const string Code = "// sum two numbers\nint Add(int a, int b) => a + b; // \"<script>window.pwned = 1</script>\"";

    private async Task<long> SeedRunAsync()
    {
        var factory = host.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var run = new Run
        {
            Source = RunSource.Api, PromptText = "Write Add in C#", CreatedAt = now,
            Manifest = new RunManifest { ModelName = "gpt-oss-20b", ReasoningEffort = ReasoningEffort.Low, MaxTokens = 128 },
        };
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Analysis, Content = "Simple. <script>window.pwned = 2</script>", Order = 0, CreatedAt = now });
        run.Messages.Add(new Message { Role = MessageRole.Assistant, Channel = MessageChannels.Final, Content = "Here:\n\n```csharp\n" + Code + "\n```\n\n<img src=x onerror=\"window.pwned = 3\">", Order = 1, CreatedAt = now });
        run.MoveTo(RunStatus.Running, now);
        run.MoveTo(RunStatus.Succeeded, now);
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    [Fact]
    public async Task Code_block_is_coloured_runs_no_script_and_its_copy_button_copies_the_code()
    {
        var runId = await SeedRunAsync();
        var page = await chromium.NewPageAsync(host.Host.BaseAddress);
        page.SetDefaultTimeout(30_000);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await TestAccounts.SignInAsync(page, await host.Host.CreateUserAsync("viewer"));
        await page.GotoAsync($"/review/runs/{runId}");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        var keyword = page.Locator(".code-block .keyword").First;
        await Expect(keyword).ToHaveTextAsync("int");
        var colours = await page.EvaluateAsync<string[]>(@"() => [
            getComputedStyle(document.querySelector('.code-block .keyword')).color,
            getComputedStyle(document.querySelector('.code-block code')).color]");
        Assert.NotEqual(colours[1], colours[0]);
        Assert.Null(await page.EvaluateAsync<int?>("() => window.pwned ?? null"));
        Assert.Equal(0, await page.Locator("[data-testid=transcript] script, [data-testid=transcript] img").CountAsync());

        await page.Locator(".code-block .code-copy").ClickAsync();
        await Expect(page.Locator(".code-block .code-copy")).ToHaveTextAsync("Copied");
        Assert.Equal(Code, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
    }
}
