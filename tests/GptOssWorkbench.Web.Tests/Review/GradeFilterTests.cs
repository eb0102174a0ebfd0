namespace GptOssWorkbench.Web.Tests.Review;

using Bunit;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Review;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;

/// <summary>The Review list's grade filter, opened from an address as a link or a reload would, over a real SQLite file.</summary>
public sealed class GradeFilterTests : DatabaseComponentTest
{
    private long _quiz;
    private long _other;

    /// <summary>Two batches: "quiz" with every grade on two models plus a row without reference, "other" with one wrong run, and a chat run.</summary>
    private void Seed()
    {
        _quiz = Db.AddBatch("quiz");
        _other = Db.AddBatch("other");
        Db.AddGradedRun(_quiz, "right tiny", "4", expected: "4");
        Db.AddGradedRun(_quiz, "right big", "Paris.", expected: "paris", model: "big");
        Db.AddGradedRun(_quiz, "wrong tiny", "5", expected: "4");
        Db.AddGradedRun(_quiz, "wrong big", "3", expected: "4", model: "big");
        Db.AddGradedRun(_quiz, "pending tiny", "", expected: "4", status: RunStatus.Running);
        Db.AddGradedRun(_quiz, "no reference", "anything", expected: null);
        Db.AddGradedRun(_other, "other wrong", "1", expected: "2");
        Db.AddRun("chat", "r", "hello");
    }

    private IRenderedComponent<ReviewPage> Open(string address)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(address);
        return Render<ReviewPage>();
    }

    private static void AssertShows(IRenderedComponent<ReviewPage> page, params string[] prompts) =>
        page.WaitForAssertion(() => Assert.Equal(prompts.Order(), page.FindAll("[data-testid=run-prompt]").Select(e => e.TextContent).Order()));

    [Fact]
    public void Correct_wrong_pending_and_graded_each_show_exactly_their_runs()
    {
        Seed();
        AssertShows(Open("review?grade=correct"), "right tiny", "right big");
        AssertShows(Open("review?grade=wrong"), "wrong tiny", "wrong big", "other wrong");
        AssertShows(Open("review?grade=pending"), "pending tiny");
        AssertShows(Open("review?grade=graded"), "right tiny", "right big", "wrong tiny", "wrong big", "pending tiny", "other wrong");
        AssertShows(Open("review?grade=WRONG"), "wrong tiny", "wrong big", "other wrong");
    }

    [Fact]
    public void Grade_combines_with_the_batch_and_model_filters()
    {
        Seed();
        AssertShows(Open($"review?batch={_quiz}&grade=wrong"), "wrong tiny", "wrong big");
        AssertShows(Open($"review?batch={_quiz}&model=big&grade=correct"), "right big");
        AssertShows(Open($"review?batch={_other}&grade=correct"));
        AssertShows(Open($"review?q=tiny&grade=wrong"), "wrong tiny");
    }

    [Fact]
    public async Task Choosing_a_grade_puts_it_in_the_address_and_that_address_opens_the_same_list()
    {
        Seed();
        var page = Open($"review?batch={_quiz}");
        AssertShows(page, "right tiny", "right big", "wrong tiny", "wrong big", "pending tiny", "no reference");

        var grade = page.FindComponent<MudSelect<GradeFilter>>();
        await page.InvokeAsync(() => grade.Instance.ValueChanged.InvokeAsync(GradeFilter.Wrong));

        AssertShows(page, "wrong tiny", "wrong big");
        // The page has the browser write the address, and only while the browser still shows the list.
        var write = JSInterop.Invocations["workbench.replaceAddressIfOn"].Last();
        Assert.Equal("/review", write.Arguments[0]);
        var address = Assert.IsType<string>(write.Arguments[1]);
        Assert.EndsWith($"/review?batch={_quiz}&grade=wrong", address);

        var reopened = Open(address);
        AssertShows(reopened, "wrong tiny", "wrong big");
        Assert.Equal(GradeFilter.Wrong, reopened.FindComponent<MudSelect<GradeFilter>>().Instance.GetState(x => x.Value));

        // The menu's plain link to the list, followed while the filtered list is open: the same page shows everything again.
        Services.GetRequiredService<NavigationManager>().NavigateTo("review");
        AssertShows(reopened, "right tiny", "right big", "wrong tiny", "wrong big", "pending tiny", "no reference", "other wrong", "chat");
        Assert.Equal(GradeFilter.Any, reopened.FindComponent<MudSelect<GradeFilter>>().Instance.GetState(x => x.Value));
    }

    [Fact]
    public void Unreadable_filter_values_in_the_address_fall_back_to_any_instead_of_failing_the_page()
    {
        Seed();
        var page = Open("review?grade=sideways&batch=abc&effort=extreme&temperature=warm&model=");
        AssertShows(page, "right tiny", "right big", "wrong tiny", "wrong big", "pending tiny", "no reference", "other wrong", "chat");
        Assert.Equal(GradeFilter.Any, page.FindComponent<MudSelect<GradeFilter>>().Instance.GetState(x => x.Value));
        // "7" names no grade: it must not be taken as the enum's number.
        AssertShows(Open("review?grade=7"), "right tiny", "right big", "wrong tiny", "wrong big", "pending tiny", "no reference", "other wrong", "chat");
    }
}
