namespace GptOssWorkbench.Web.Tests.Remote;

using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>"Test connection" on the Models page, clicked in a real browser, against the replay server.</summary>
[Collection(WorkbenchCollection.Name)]
public sealed class RemoteConnectionBrowserTests : BrowserTest, IClassFixture<RemoteReplayFixture>
{
    private readonly RemoteReplayFixture fixture;
    private readonly ChromiumFixture chromium;

    public RemoteConnectionBrowserTests(RemoteReplayFixture fixture, ChromiumFixture chromium)
    {
        this.fixture = fixture;
        this.chromium = chromium;
        fixture.Server.Script("vllm-chat", c => c.StreamAsync(ServerShapes.Vllm("vllm-chat")));
        // Served only with the key typed into the form: a "Connected" result proves it was stored and decrypted.
        fixture.Server.Script("browser-registered", c => c.StreamVllmIfKeyAsync("browser-registered", RegisteredKey));
    }

    private const string RegisteredKey = "sk-typed-into-the-browser-0123456789";

    protected override ChromiumFixture Browser => chromium;

    [Fact]
    public async Task Test_connection_on_a_remote_model_shows_what_the_server_serves_or_why_it_cannot_be_used()
    {
        var page = await chromium.NewPageAsync(fixture.Host.BaseAddress);
        await TestAccounts.SignInAsync(page, await fixture.Host.CreateUserAsync("admin"));
        await page.GotoAsync("/models");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        ILocator Card(string name) => page.GetByTestId("model-card").Filter(new() { Has = page.GetByTestId("model-name").GetByText(name, new() { Exact = true }) });

        var good = Card("vllm-chat");
        await good.GetByTestId("test-connection").ClickAsync();
        await Expect(good.GetByTestId("connection-result")).ToContainTextAsync("Connected:", new() { Timeout = 30_000 });
        await Expect(good.GetByTestId("connection-result")).ToContainTextAsync("serves 'vllm-chat'");
        await Expect(good.GetByTestId("connection-served-models")).ToContainTextAsync("vllm-chat");

        // Configured with a served id the server does not list: the message names it and what is served instead.
        var wrong = Card("unknown-model");
        await wrong.GetByTestId("test-connection").ClickAsync();
        await Expect(wrong.GetByTestId("connection-result")).ToContainTextAsync("does not serve model 'not-served-here'", new() { Timeout = 30_000 });
        await Expect(wrong.GetByTestId("connection-result")).ToContainTextAsync("vllm-chat");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("models-remote-test-connection.png") });
        await page.Context.CloseAsync(); // end the circuit now: this class's own host stops before the shared browser does
    }

    [Fact]
    public async Task An_admin_registers_a_remote_engine_with_a_key_tests_its_connection_edits_and_removes_it()
    {
        var page = await chromium.NewPageAsync(fixture.Host.BaseAddress);
        await TestAccounts.SignInAsync(page, await fixture.Host.CreateUserAsync("admin"));
        await page.GotoAsync("/models");
        await page.WaitForSelectorAsync("[data-interactive=true]");
        var form = page.GetByTestId("remote-register-form");

        // A bad address first: the form says why and nothing is registered.
        await form.GetByTestId("remote-name").FillAsync("gpu/gpt-oss-120b");
        await form.GetByTestId("remote-base-url").FillAsync("gpu-1:8000");
        await form.GetByTestId("remote-model").FillAsync("browser-registered");
        await form.GetByTestId("remote-api-key").FillAsync(RegisteredKey);
        await form.GetByTestId("remote-save").ClickAsync();
        await Expect(form.GetByTestId("remote-form-error")).ToContainTextAsync("must be an absolute http:// or https:// address");
        await Expect(page.GetByTestId("model-name").GetByText("gpu/gpt-oss-120b", new() { Exact = true })).ToHaveCountAsync(0);

        await form.GetByTestId("remote-base-url").FillAsync(fixture.Server.BaseUrl + "/v1");
        await form.GetByTestId("remote-save").ClickAsync();

        ILocator Card(string name) => page.GetByTestId("model-card").Filter(new() { Has = page.GetByTestId("model-name").GetByText(name, new() { Exact = true }) });
        var card = Card("gpu/gpt-oss-120b");
        await Expect(card.GetByTestId("remote-key-state")).ToHaveTextAsync("key set");
        await Expect(card.GetByTestId("model-remote")).ToContainTextAsync("vllm");
        await Expect(page.GetByText(RegisteredKey)).ToHaveCountAsync(0); // never shown again
        await Expect(form.GetByTestId("remote-api-key")).ToHaveValueAsync("");
        await card.GetByTestId("test-connection").ClickAsync();
        await Expect(card.GetByTestId("connection-result")).ToContainTextAsync("Connected:", new() { Timeout = 30_000 });
        await Expect(card.GetByTestId("connection-result")).ToContainTextAsync("serves 'browser-registered'");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ScreenshotPath("models-remote-registered.png") });

        // Edit: the key field starts empty (the key is never sent back to the browser) and "keep the key" is the default.
        await card.GetByTestId("remote-edit").ClickAsync();
        var edit = card.GetByTestId("remote-edit-form");
        await Expect(edit.GetByTestId("remote-model")).ToHaveValueAsync("browser-registered");
        await Expect(edit.GetByTestId("remote-api-key")).ToHaveCountAsync(0);
        await edit.GetByTestId("remote-max-concurrency").FillAsync("8");
        await edit.GetByTestId("remote-save").ClickAsync();
        await Expect(card.GetByTestId("remote-registered-by")).ToContainTextAsync("max concurrency 8");
        await Expect(card.GetByTestId("remote-key-state")).ToHaveTextAsync("key set");

        await card.GetByTestId("remote-remove").ClickAsync();
        await card.GetByTestId("remote-remove-yes").ClickAsync();
        await Expect(Card("gpu/gpt-oss-120b")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_reviewer_is_not_offered_test_connection()
    {
        var page = await chromium.NewPageAsync(fixture.Host.BaseAddress);
        await TestAccounts.SignInAsync(page, await fixture.Host.CreateUserAsync("reviewer"));
        await page.GotoAsync("/models");
        await page.WaitForSelectorAsync("[data-interactive=true]");

        await Expect(page.GetByTestId("model-remote").First).ToBeVisibleAsync(); // the page and its remote models are shown
        await Expect(page.GetByTestId("test-connection")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("remote-register-form")).ToHaveCountAsync(0); // registering is for admins too
        await page.Context.CloseAsync();
    }
}
