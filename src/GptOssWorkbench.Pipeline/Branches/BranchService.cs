namespace GptOssWorkbench.Pipeline.Branches;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using Microsoft.EntityFrameworkCore;

/// <summary>
/// Interventions in a finished run's output, both as one mechanism: a branch is a new run with the parent's prompt and
/// settings (seed included) whose output starts with a forced prefix (<see cref="RunManifest.ForcedPrefixTokenIds"/>), which the
/// job appends after the rendered prompt and the model continues. Branch at a token: the parent's recorded tokens before the
/// position, then the chosen token (or typed text). Edited reasoning: an analysis message header and the edited text, with no
/// end token, so generation goes on inside that same message. Like a replay, the branch is not part of the parent's
/// conversation or batch; it only points at the message or batch item its prompt is rendered from.
/// </summary>
public sealed class BranchService(IDbContextFactory<WorkbenchDbContext> dbFactory, RunLauncher launcher, ModelCatalog catalog, TimeProvider clock)
{
    private static readonly HarmonyTokenizer Tokenizer = HarmonyTokenizer.Shared;

    /// <summary>
    /// Branches the run at token <paramref name="position"/> (0-based, over every recorded output token): keeps the tokens
    /// before it and forces <paramref name="tokenId"/>, or the tokens of <paramref name="text"/> when no id is given.
    /// </summary>
    public async Task<long> StartAtTokenAsync(long parentRunId, int position, int? tokenId, string? text = null, int? maxTokens = null,
        string? userId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var parent = await ParentAsync(db, parentRunId, cancellationToken);
        if (parent.Logprobs is null)
            throw new BranchRefusedException($"Run {parent.Id} recorded no output tokens (it ran without logprobs), so it cannot be branched at a token; "
                + "edit its reasoning and continue instead, or re-run it with logprobs on.");
        IReadOnlyList<TokenLogprob> recorded;
        try
        {
            recorded = parent.Logprobs.Read();
        }
        catch (InvalidDataException e)
        {
            throw new BranchRefusedException($"Run {parent.Id}'s recorded tokens cannot be read ({e.Message}), so it cannot be branched at a token.");
        }
        if (position < 0 || position >= recorded.Count)
            throw new BranchRefusedException($"Position {position} is outside run {parent.Id}'s output: it has {recorded.Count} tokens, at positions 0 to {recorded.Count - 1}.");

        List<int> forced;
        if (tokenId is { } id)
        {
            if (id < 0 || id >= HarmonyTokens.VocabularySize)
                throw new BranchRefusedException($"Token id {id} is not in the vocabulary (ids are 0 to {HarmonyTokens.VocabularySize - 1}).");
            forced = [id];
        }
        else if (!string.IsNullOrEmpty(text))
        {
            forced = [.. Tokenizer.EncodeOrdinary(text)];
        }
        else
        {
            throw new BranchRefusedException("Say what to continue with: a token id or some text.");
        }
        if (forced.Any(HarmonyTokens.IsStop))
            throw new BranchRefusedException($"Token {Describe(forced.First(HarmonyTokens.IsStop))} ends the completion: there would be nothing left to generate.");

        var prefix = recorded.Take(position).Select(t => t.TokenId).Concat(forced).ToList();
        return await CreateAsync(db, parent, BranchKind.ForcedToken, position, prefix, maxTokens, userId, cancellationToken);
    }

    /// <summary>Continues the run from <paramref name="reasoning"/> (its reasoning, cut or rewritten), inside the same analysis message.</summary>
    public async Task<long> StartFromReasoningAsync(long parentRunId, string reasoning, int? maxTokens = null, string? userId = null,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var parent = await ParentAsync(db, parentRunId, cancellationToken);
        var prefix = AnalysisPrefix(reasoning);
        return await CreateAsync(db, parent, BranchKind.EditedReasoning, reasoning.Length, prefix, maxTokens, userId, cancellationToken);
    }

    /// <summary>
    /// The output tokens that open an analysis message holding <paramref name="reasoning"/> and leave it open (no
    /// <c>&lt;|end|&gt;</c>): after the prompt's <c>&lt;|start|&gt;assistant</c>, the model continues the same message.
    /// </summary>
    public static List<int> AnalysisPrefix(string reasoning)
    {
        if (reasoning.Contains("<|", StringComparison.Ordinal) && HarmonyTokenizer.SpecialTokens.Keys.Any(k => reasoning.Contains(k, StringComparison.Ordinal)))
            throw new BranchRefusedException("The reasoning contains a harmony control token (such as <|end|>); remove it: the text is continued as plain reasoning.");
        return [HarmonyTokens.Channel, .. Tokenizer.EncodeOrdinary(Channels.Analysis), HarmonyTokens.Message, .. Tokenizer.EncodeOrdinary(reasoning)];
    }

    /// <summary>What the run is a branch of, and its branches; null when the run does not exist.</summary>
    public async Task<RunBranches?> GetForRunAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null) return null;
        var branches = await db.Runs.AsNoTracking().Where(r => r.BranchOfRunId == runId).OrderByDescending(r => r.Id).ToListAsync(cancellationToken);
        return new RunBranches(run.Id, Entry(run), [.. branches.Select(Entry).OfType<BranchEntry>()]);
    }

    private static BranchEntry? Entry(Run run)
    {
        if (run.BranchOfRunId is not { } parentId || run.BranchKind is not { } kind) return null;
        var position = run.BranchPosition ?? 0;
        var prefix = run.Manifest.ForcedPrefixTokenIds ?? [];
        var description = kind == BranchKind.ForcedToken
            ? $"at token {position} (forced '{Tokenizer.Decode(prefix.Skip(position))}')"
            : $"with edited reasoning ({position} characters)";
        return new BranchEntry(run.Id, parentId, kind, position, description, run.Status);
    }

    private async Task<Run> ParentAsync(WorkbenchDbContext db, long parentRunId, CancellationToken cancellationToken)
    {
        var parent = await db.Runs.AsNoTracking().Include(r => r.Logprobs).FirstOrDefaultAsync(r => r.Id == parentRunId, cancellationToken)
            ?? throw new KeyNotFoundException($"Run {parentRunId} does not exist.");
        if (!parent.IsFinished)
            throw new BranchRefusedException($"Run {parent.Id} has not finished yet: it can be branched once it has.");
        var model = await catalog.FindAsync(parent.Manifest.ModelName, cancellationToken);
        if (model is null)
            throw new BranchRefusedException($"Model '{parent.Manifest.ModelName}' is not registered or configured any more: run {parent.Id} cannot be branched on it.");
        if (model.IsRemote)
            throw new BranchRefusedException($"'{parent.Manifest.ModelName}' is a remote server: only the built-in engine can continue a forced prefix of output tokens.");
        return parent;
    }

    private async Task<long> CreateAsync(WorkbenchDbContext db, Run parent, BranchKind kind, int position, List<int> prefix, int? maxTokens,
        string? userId, CancellationToken cancellationToken)
    {
        if (maxTokens is <= 0)
            throw new BranchRefusedException($"Max tokens must be at least 1 (got {maxTokens}).");
        var manifest = parent.Manifest.CopyInputs();
        manifest.ForcedPrefixTokenIds = prefix;
        // The parent's budget counts the prefix too; a branch forced near its end still gets room to generate.
        manifest.MaxTokens = maxTokens ?? Math.Max(parent.Manifest.MaxTokens, prefix.Count + 1);
        var branch = new Run
        {
            Source = RunSource.Branch,
            BranchOfRunId = parent.Id,
            BranchKind = kind,
            BranchPosition = position,
            PromptText = parent.PromptText,
            ReplyToMessageId = parent.ReplyToMessageId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedByUserId = userId,
            Manifest = manifest,
        };
        db.Runs.Add(branch);
        await db.SaveChangesAsync(cancellationToken);
        await launcher.EnqueueAsync(branch.Id);
        return branch.Id;
    }

    private static string Describe(int id) => Tokenizer.SpecialName(id) ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
