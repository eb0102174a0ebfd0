namespace GptOssWorkbench.Web.Tests.Branches;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Branches;
using GptOssWorkbench.Pipeline.Replays;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Branches through the real embedded pipeline (SQLite file, Hangfire, engine) with the tiny random model.</summary>
[Collection(PipelineCollection.Name)]
public sealed class BranchTests(PipelineHostFixture fixture)
{
    private readonly IServiceProvider services = fixture.Services;
    private BranchService Branches => services.GetRequiredService<BranchService>();

    private static RunSettings Settings(bool logprobs) => new()
    {
        ModelName = TinyModel.Name, MaxTokens = 12, Temperature = 1.0, Seed = 777, Logprobs = logprobs, TopLogprobs = logprobs ? 3 : 0,
        ReasoningEffort = Data.Runs.ReasoningEffort.Low,
    };

    private async Task<Run> FinishedChatRunAsync(RunSettings settings, string text = "Name three colours.")
    {
        var turn = await services.GetRequiredService<RunLauncher>().SendChatMessageAsync(new ChatMessageRequest(null, text, settings));
        var run = await PipelineWaits.WaitForFinishAsync(services, turn.RunId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        return run;
    }

    private async Task<(Run Run, List<int> Tokens, List<Message> Messages)> LoadAsync(long runId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.AsNoTracking().Include(r => r.Messages).Include(r => r.Logprobs).SingleAsync(r => r.Id == runId);
        return (run, [.. run.Logprobs!.Read().Select(t => t.TokenId)], [.. run.Messages.OrderBy(m => m.Order).ThenBy(m => m.Id)]);
    }

    private async Task<int> BranchCountAsync(long parentId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.Runs.CountAsync(r => r.BranchOfRunId == parentId);
    }

    [Fact]
    public async Task A_branch_forced_at_token_k_keeps_the_parents_first_k_tokens_has_the_forced_token_at_k_and_is_linked_to_its_parent()
    {
        var parent = await FinishedChatRunAsync(Settings(logprobs: true));
        var (_, parentTokens, _) = await LoadAsync(parent.Id);
        const int k = 5;
        // A plain text token the parent did not sample at k, so the branch really diverges there.
        var forcedId = HarmonyTokenizer.Shared.EncodeOrdinary(" zebra")[0];
        Assert.NotEqual(forcedId, parentTokens[k]);

        var branchId = await Branches.StartAtTokenAsync(parent.Id, k, forcedId);
        await PipelineWaits.WaitForFinishAsync(services, branchId);
        var (branch, branchTokens, _) = await LoadAsync(branchId);

        Assert.Equal(RunStatus.Succeeded, branch.Status);
        Assert.Equal(parentTokens[..k], branchTokens[..k]);
        Assert.Equal(forcedId, branchTokens[k]);
        Assert.True(branchTokens.Count > k + 1, "the model generated after the forced token");
        Assert.Equal(branchTokens.Count, branch.OutputTokens);
        Assert.Equal(parent.Manifest.PromptTokensSha256, branch.Manifest.PromptTokensSha256);
        Assert.Equal(parent.Manifest.Seed, branch.Manifest.Seed);
        Assert.Equal((RunSource.Branch, parent.Id, BranchKind.ForcedToken, k), (branch.Source, branch.BranchOfRunId, branch.BranchKind, branch.BranchPosition));
        Assert.Null(branch.ConversationId);

        var view = await Branches.GetForRunAsync(parent.Id);
        var entry = Assert.Single(view!.Branches);
        Assert.Equal(branchId, entry.RunId);
        Assert.Equal("at token 5 (forced ' zebra')", entry.Description);
        Assert.Equal(parent.Id, (await Branches.GetForRunAsync(branchId))!.BranchOf!.ParentRunId);
    }

    [Fact]
    public async Task A_branch_replays_identical_because_its_forced_prefix_is_part_of_its_manifest()
    {
        var parent = await FinishedChatRunAsync(Settings(logprobs: true));
        var branchId = await Branches.StartAtTokenAsync(parent.Id, 3, tokenId: null, text: " purple");
        await PipelineWaits.WaitForFinishAsync(services, branchId);

        var replays = services.GetRequiredService<ReplayService>();
        var replayId = await replays.StartAsync(branchId);
        await PipelineWaits.WaitForFinishAsync(services, replayId);

        Assert.Equal(ReplayOutcome.Identical, (await replays.GetForRunAsync(replayId))!.AsReplay!.Outcome);
    }

    [Fact]
    public async Task Edited_reasoning_is_continued_inside_the_same_analysis_message_from_exactly_the_rendered_prefix()
    {
        var parent = await FinishedChatRunAsync(Settings(logprobs: true));
        const string reasoning = "The user wants colours. I will pick red and";

        var branchId = await Branches.StartFromReasoningAsync(parent.Id, reasoning);
        await PipelineWaits.WaitForFinishAsync(services, branchId);
        var (branch, tokens, messages) = await LoadAsync(branchId);

        var prefix = BranchService.AnalysisPrefix(reasoning);
        Assert.Equal(prefix, tokens[..prefix.Count]);
        Assert.DoesNotContain(HarmonyTokens.End, prefix);
        Assert.True(tokens.Count > prefix.Count, "the model generated after the edited reasoning");
        Assert.Equal(Channels.Analysis, messages[0].Channel);
        Assert.StartsWith(reasoning, messages[0].Content, StringComparison.Ordinal);
        Assert.Equal((BranchKind.EditedReasoning, reasoning.Length), (branch.BranchKind!.Value, branch.BranchPosition!.Value));
        Assert.Equal("with edited reasoning (43 characters)", (await Branches.GetForRunAsync(branchId))!.BranchOf!.Description);
    }

    [Fact]
    public async Task Bad_branch_positions_and_tokens_are_refused_with_clear_messages_and_create_no_run()
    {
        var parent = await FinishedChatRunAsync(Settings(logprobs: true));
        var withoutTokens = await FinishedChatRunAsync(Settings(logprobs: false));
        var (_, parentTokens, _) = await LoadAsync(parent.Id);

        var pastEnd = await Assert.ThrowsAsync<BranchRefusedException>(() => Branches.StartAtTokenAsync(parent.Id, parentTokens.Count, 1000));
        Assert.Equal($"Position {parentTokens.Count} is outside run {parent.Id}'s output: it has {parentTokens.Count} tokens, at positions 0 to {parentTokens.Count - 1}.", pastEnd.Message);
        var negative = await Assert.ThrowsAsync<BranchRefusedException>(() => Branches.StartAtTokenAsync(parent.Id, -1, 1000));
        Assert.Contains("Position -1 is outside", negative.Message, StringComparison.Ordinal);
        var outOfVocabulary = await Assert.ThrowsAsync<BranchRefusedException>(() => Branches.StartAtTokenAsync(parent.Id, 2, HarmonyTokens.VocabularySize));
        Assert.Equal($"Token id {HarmonyTokens.VocabularySize} is not in the vocabulary (ids are 0 to {HarmonyTokens.VocabularySize - 1}).", outOfVocabulary.Message);
        var stop = await Assert.ThrowsAsync<BranchRefusedException>(() => Branches.StartAtTokenAsync(parent.Id, 2, HarmonyTokens.Return));
        Assert.Contains("ends the completion", stop.Message, StringComparison.Ordinal);
        var nothing = await Assert.ThrowsAsync<BranchRefusedException>(() => Branches.StartAtTokenAsync(parent.Id, 2, null, ""));
        Assert.Contains("a token id or some text", nothing.Message, StringComparison.Ordinal);
        var noTokens = await Assert.ThrowsAsync<BranchRefusedException>(() => Branches.StartAtTokenAsync(withoutTokens.Id, 0, 1000));
        Assert.Contains($"Run {withoutTokens.Id} recorded no output tokens", noTokens.Message, StringComparison.Ordinal);
        var control = await Assert.ThrowsAsync<BranchRefusedException>(() => Branches.StartFromReasoningAsync(parent.Id, "fine<|end|>"));
        Assert.Contains("harmony control token", control.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Branches.StartAtTokenAsync(long.MaxValue, 0, 1000));

        Assert.Equal(0, await BranchCountAsync(parent.Id));
        Assert.Equal(0, await BranchCountAsync(withoutTokens.Id));
    }
}
