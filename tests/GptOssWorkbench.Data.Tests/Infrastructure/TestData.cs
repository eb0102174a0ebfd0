namespace GptOssWorkbench.Data.Tests.Infrastructure;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;

/// <summary>Small builders for rows the tests need; values are spelled out in each test that checks them.</summary>
public static class TestData
{
    public static readonly DateTime Now = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);

    public static User User(string name) => new() { Name = name, Email = $"{name}@example.test", Role = UserRoles.Reviewer, CreatedAt = Now };

    public static Run QueuedRun(string prompt, string model = "gpt-oss-20b") => new()
    {
        Source = RunSource.Batch,
        PromptText = prompt,
        CreatedAt = Now,
        Manifest = new RunManifest { ModelName = model, MaxTokens = 256 },
    };

    public static Message Output(string channel, string content, int order, MessageRole role = MessageRole.Assistant) => new()
    {
        Role = role,
        Channel = channel,
        Content = content,
        TokenCount = content.Length,
        Order = order,
        CreatedAt = Now,
    };
}
