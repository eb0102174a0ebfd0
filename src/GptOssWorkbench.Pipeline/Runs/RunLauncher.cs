namespace GptOssWorkbench.Pipeline.Runs;

using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Pipeline.Updates;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

/// <summary>
/// Starts runs: writes the run row (with its manifest) first, then enqueues <see cref="InferenceJob"/> with the
/// run id and records the job's id on the run. The database is the source of truth: if enqueueing fails or the
/// process dies in between, the run is still queued in the database and recovery (at start) or the queue sweep
/// (<see cref="RunQueueSweep"/>, while running) enqueues it again.
/// The starting methods take an optional <see cref="RunWatch"/>: it is bound to the new run after the row is committed
/// and before the job is enqueued, so the caller sees the run's first update even when a worker is faster than the return.
/// </summary>
public sealed class RunLauncher(IDbContextFactory<WorkbenchDbContext> dbFactory, IBackgroundJobClient jobs, TimeProvider clock,
    ILogger<RunLauncher> logger)
{
    /// <summary>Job ids are recorded this many runs per transaction (SQLite: one commit each, not one per run).</summary>
    private const int RecordChunk = 500;

    /// <summary>Stores the user's message (starting a conversation if needed) and a run that answers it.</summary>
    public async Task<ChatTurn> SendChatMessageAsync(ChatMessageRequest request, RunWatch? follow = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(request.Text)) throw new ArgumentException("The message is empty.");
        request.Settings.Validate();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        Conversation conversation;
        if (request.ConversationId is { } id)
        {
            conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == id, cancellationToken)
                ?? throw new KeyNotFoundException($"Conversation {id} does not exist.");
        }
        else
        {
            conversation = new Conversation { Title = TitleFrom(request.Text), CreatedAt = now, CreatedByUserId = request.UserId };
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync(cancellationToken);
        }

        Message? parent = request.AsNewRoot ? null
            : request.ParentMessageId is { } parentId
            ? await db.Messages.FirstOrDefaultAsync(m => m.Id == parentId && m.ConversationId == conversation.Id, cancellationToken)
              ?? throw new KeyNotFoundException($"Message {parentId} is not in conversation {conversation.Id}.")
            : await db.Messages.Where(m => m.ConversationId == conversation.Id)
                .OrderByDescending(m => m.Order).ThenByDescending(m => m.Id).FirstOrDefaultAsync(cancellationToken);

        var userMessage = new Message
        {
            ConversationId = conversation.Id, ParentMessageId = parent?.Id, Role = MessageRole.User, Content = request.Text,
            Order = parent is null ? 0 : parent.Order + 1, CreatedAt = now,
        };
        db.Messages.Add(userMessage);
        conversation.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);

        var run = NewRun(RunSource.Chat, request.Settings, request.Text, now, request.UserId);
        run.ConversationId = conversation.Id;
        run.ReplyToMessageId = userMessage.Id;
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await FollowThenEnqueueAsync(run.Id, follow);
        return new ChatTurn(conversation.Id, userMessage.Id, run.Id);
    }

    /// <summary>Another answer to an existing user message (a sibling of the earlier answers), with new settings.</summary>
    public async Task<long> RegenerateAsync(long userMessageId, RunSettings settings, string? userId = null, RunWatch? follow = null,
        CancellationToken cancellationToken = default)
    {
        settings.Validate();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var message = await db.Messages.FirstOrDefaultAsync(m => m.Id == userMessageId, cancellationToken)
            ?? throw new KeyNotFoundException($"Message {userMessageId} does not exist.");
        if (message.Role != MessageRole.User) throw new ArgumentException($"Message {userMessageId} is not a user message.");
        var run = NewRun(RunSource.Chat, settings, message.Content, clock.GetUtcNow().UtcDateTime, userId);
        run.ConversationId = message.ConversationId;
        run.ReplyToMessageId = message.Id;
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        await FollowThenEnqueueAsync(run.Id, follow);
        return run.Id;
    }

    /// <summary>
    /// A run over a whole message list (the /v1 API): the messages are stored as a conversation (so the run can be
    /// replayed and reviewed like a chat) and the run answers the last one. System and developer messages are not
    /// stored as messages: their text becomes the run's developer instructions (harmony's place for them).
    /// </summary>
    public async Task<ChatTurn> StartConversationRunAsync(IReadOnlyList<PromptMessage> messages, RunSettings settings,
        RunSource source = RunSource.Api, string? userId = null, RunWatch? follow = null, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var instructions = messages.Where(m => m.Role is MessageRole.System or MessageRole.Developer).Select(m => m.Content).ToList();
        var thread = messages.Where(m => m.Role is not (MessageRole.System or MessageRole.Developer)).ToList();
        if (thread.Count == 0) throw new ArgumentException("The messages contain no user message.");
        if (instructions.Count > 0)
            settings = settings with { DeveloperInstructions = string.Join("\n\n", new[] { settings.DeveloperInstructions }.Concat(instructions).OfType<string>()) };

        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var lastUser = thread.LastOrDefault(m => m.Role == MessageRole.User)?.Content ?? thread[^1].Content;
        var conversation = new Conversation { Title = TitleFrom(lastUser), CreatedAt = now, UpdatedAt = now, CreatedByUserId = userId };
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync(cancellationToken);
        Message? parent = null;
        foreach (var (prompt, order) in thread.Select((m, i) => (m, i)))
        {
            var message = new Message
            {
                ConversationId = conversation.Id, Parent = parent, Role = prompt.Role, Channel = prompt.Channel,
                Recipient = prompt.Recipient, Content = prompt.Content, Order = order, CreatedAt = now,
            };
            db.Messages.Add(message);
            parent = message;
        }
        await db.SaveChangesAsync(cancellationToken);
        var run = NewRun(source, settings, lastUser, now, userId);
        run.ConversationId = conversation.Id;
        run.ReplyToMessageId = parent!.Id;
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await FollowThenEnqueueAsync(run.Id, follow);
        return new ChatTurn(conversation.Id, parent.Id, run.Id);
    }

    /// <summary>Only after the commit (the id is final) and before the job exists (nothing can be published yet).</summary>
    private Task FollowThenEnqueueAsync(long runId, RunWatch? follow)
    {
        follow?.Follow(runId);
        return EnqueueAsync(runId);
    }

    /// <summary>
    /// A run over a raw harmony prompt (/v1/completions): no conversation, the prompt text (special tokens as their
    /// literal strings) is stored on the run and encoded as it is by the job (see <see cref="RunPrompt.TokensAsync"/>).
    /// </summary>
    public async Task<long> StartRawPromptRunAsync(string harmonyPrompt, RunSettings settings, string? userId = null, RunWatch? follow = null,
        CancellationToken cancellationToken = default)
    {
        if (harmonyPrompt.Length == 0) throw new ArgumentException("The prompt is empty.");
        settings.Validate();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = NewRun(RunSource.ApiCompletion, settings, harmonyPrompt, clock.GetUtcNow().UtcDateTime, userId);
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        await FollowThenEnqueueAsync(run.Id, follow);
        return run.Id;
    }

    /// <summary>Hands a stored, queued run to Hangfire and records the job on the run.</summary>
    public Task EnqueueAsync(long runId) => EnqueueAsync([runId]);

    /// <summary>Hands many stored, queued runs to Hangfire (in this order) and records their jobs.</summary>
    public async Task EnqueueAsync(IReadOnlyCollection<long> runIds)
    {
        var enqueued = new List<(long RunId, string JobId)>(runIds.Count);
        try
        {
            foreach (var runId in runIds) enqueued.Add((runId, EnqueueJob(runId)));
        }
        finally
        {
            // Even when Hangfire failed midway: the jobs that exist are recorded, the rest are left to the sweep.
            await RecordJobIdsAsync(enqueued);
        }
    }

    private string EnqueueJob(long runId) => jobs.Enqueue<InferenceJob>(job => job.RunAsync(runId, null, CancellationToken.None));

    /// <summary>
    /// Writes each run's job id with ExecuteUpdate: a tracked save would bump the run's Version, and a job claiming
    /// the run at this moment would then lose its claim and skip the run. Not cancellable and never throws: the jobs
    /// are queued already, and a missing id only means the sweep may later enqueue a harmless duplicate.
    /// </summary>
    private async Task RecordJobIdsAsync(IReadOnlyList<(long RunId, string JobId)> enqueued)
    {
        if (enqueued.Count == 0) return;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            foreach (var chunk in enqueued.Chunk(RecordChunk))
            {
                await using var transaction = chunk.Length > 1 ? await db.Database.BeginTransactionAsync() : null;
                foreach (var (runId, jobId) in chunk)
                    await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.JobId, jobId));
                if (transaction is not null) await transaction.CommitAsync();
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not record the Hangfire job ids of {Count} enqueued runs (first: run {RunId}): {Error}",
                enqueued.Count, enqueued[0].RunId, e.Message);
        }
    }

    internal static Run NewRun(RunSource source, RunSettings settings, string promptText, DateTime now, string? userId) => new()
    {
        Source = source,
        PromptText = promptText,
        Manifest = settings.ToManifest(),
        CreatedAt = now,
        CreatedByUserId = userId,
    };

    private static string TitleFrom(string text)
    {
        var line = text.Trim().Split('\n')[0].Trim();
        return line.Length <= 60 ? line : line[..57] + "...";
    }
}
