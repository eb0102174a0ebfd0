namespace GptOssWorkbench.Data.Audit;

/// <summary>The actions the audit log records. Strings, not an enum: old rows stay readable whatever is added.</summary>
public static class AuditActions
{
    public const string SignInSucceeded = "sign-in.succeeded";
    public const string SignInFailed = "sign-in.failed";
    public const string SignedOut = "sign-out";
    public const string UserCreated = "user.created";
    public const string UserRoleChanged = "user.role-changed";
    public const string UserPasswordReset = "user.password-reset";
    public const string ApiKeyCreated = "api-key.created";
    public const string ApiKeyRevoked = "api-key.revoked";
    public const string ModelAdded = "model.added";
    public const string ModelRemoved = "model.removed";
    public const string ModelDefaultsChanged = "model.defaults-changed";
    public const string ModelDownloadRequested = "model.download-requested";
    public const string ModelDownloadCancelled = "model.download-cancelled";
    public const string RemoteEngineChanged = "model.remote-engine-changed";
    public const string BatchCreated = "batch.created";
    public const string BatchExported = "batch.exported";
    public const string BatchCancelled = "batch.cancelled";
    public const string ConversationDeleted = "conversation.deleted";
    public const string SettingsChanged = "settings.changed";
    public const string RunFlagged = "run.flagged";
    public const string RunUnflagged = "run.unflagged";

    /// <summary>An export that included flagged runs (the exporter asked for them): which runs, of which kind.</summary>
    public const string FlaggedRunsExported = "run.flagged-exported";

    public static readonly IReadOnlyList<string> All =
    [
        SignInSucceeded, SignInFailed, SignedOut, UserCreated, UserRoleChanged, UserPasswordReset, ApiKeyCreated,
        ApiKeyRevoked, ModelAdded, ModelRemoved, ModelDefaultsChanged, ModelDownloadRequested, ModelDownloadCancelled, RemoteEngineChanged, BatchCreated,
        BatchExported, BatchCancelled, ConversationDeleted, SettingsChanged, RunFlagged, RunUnflagged, FlaggedRunsExported,
    ];
}
