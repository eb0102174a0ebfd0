namespace GptOssWorkbench.Web.Tests.Chat;

using Bunit;
using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Chat;

/// <summary>The chat's "Record token probabilities" switch and its alternatives field set the run settings the chat sends.</summary>
public sealed class ChatSettingsPanelTests : WorkbenchComponentTest
{
    [Fact]
    public void The_switch_sets_logprobs_with_5_alternatives_and_settings_stay_valid_when_it_is_turned_off()
    {
        var model = new CatalogModel("gpt-oss-nano", "/models/nano", "original", null, true, "demo", new ModelDefaults(), false, true);
        RunSettings settings = ChatSettingsPanel.FromDefaults(model);
        IRenderedComponent<ChatSettingsPanel>? cut = null;
        cut = Render<ChatSettingsPanel>(p => p
            .Add(c => c.Models, [model])
            .Add(c => c.Settings, settings)
            .Add(c => c.SettingsChanged, changed =>
            {
                // As the chat page does: the new settings become the panel's settings.
                settings = changed;
                cut!.Render(q => q.Add(c => c.Settings, changed));
            }));
        cut.Find("[data-testid=chat-settings-toggle]").Click();
        Assert.False(settings.Logprobs);
        Assert.Empty(cut.FindAll("[data-testid=chat-top-logprobs]"));

        // MudBlazor handles a change asynchronously: bUnit's Change() can return before the new settings arrive (seen
        // on a loaded machine), so each step waits for its settings before the next one.
        cut.Find("input[data-testid=chat-logprobs]").Change(true);
        cut.WaitForAssertion(() => Assert.Equal((true, 5), (settings.Logprobs, settings.TopLogprobs)));
        settings.Validate();

        cut.WaitForElement("input[data-testid=chat-top-logprobs]").Change("12");
        cut.WaitForAssertion(() => Assert.Equal((true, 12), (settings.Logprobs, settings.TopLogprobs)));

        cut.Find("input[data-testid=chat-logprobs]").Change(false);
        cut.WaitForAssertion(() => Assert.Equal((false, 0), (settings.Logprobs, settings.TopLogprobs)));
        settings.Validate();

        // Back on: the chosen number of alternatives was remembered.
        cut.Find("input[data-testid=chat-logprobs]").Change(true);
        cut.WaitForAssertion(() => Assert.Equal((true, 12), (settings.Logprobs, settings.TopLogprobs)));
    }
}
