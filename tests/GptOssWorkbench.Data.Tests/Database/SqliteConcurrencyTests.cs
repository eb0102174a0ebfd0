namespace GptOssWorkbench.Data.Tests.Database;

using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Reviews;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

/// <summary>A chat stream and a batch writing the same SQLite file at once (the embedded mode's everyday case).</summary>
public sealed class SqliteConcurrencyTests
{
    [Fact]
    public async Task Two_concurrent_writers_holding_transactions_both_finish_without_database_is_locked()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        const int Writes = 60;

        // Each writer keeps its write transaction open for a while, so the other one must wait for the lock.
        async Task WriteAsync(Func<int, object> entity)
        {
            for (var i = 0; i < Writes; i++)
            {
                await using var db = database.NewContext();
                await using var transaction = await db.Database.BeginTransactionAsync();
                db.Add(entity(i));
                await db.SaveChangesAsync();
                await Task.Delay(3);
                await transaction.CommitAsync();
            }
        }
        var now = DateTime.UtcNow;
        var chat = Task.Run(() => WriteAsync(i => new Conversation { Title = $"chat {i}", CreatedAt = now, UpdatedAt = now }));
        var batch = Task.Run(() => WriteAsync(i => new Tag { Name = $"batch {i}" }));
        // A reader polling meanwhile (a page refreshing) must not block either writer.
        var reader = Task.Run(async () =>
        {
            while (!chat.IsCompleted || !batch.IsCompleted)
            {
                await using var db = database.NewContext();
                await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
                _ = await db.Conversations.CountAsync();
                await Task.Delay(2);
            }
        });

        await Task.WhenAll(chat, batch, reader);

        await using var check = database.NewContext();
        Assert.Equal(Writes, await check.Conversations.CountAsync());
        Assert.Equal(Writes, await check.Tags.CountAsync());
    }

    [Fact]
    public async Task Connections_use_WAL_and_wait_for_a_busy_writer()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using var db = database.NewContext();
        await db.Database.OpenConnectionAsync();

        Assert.Equal("wal", await Scalar(db, "PRAGMA journal_mode;"));
        Assert.Equal((long)WorkbenchDatabase.SqliteBusyTimeout.TotalMilliseconds, await Scalar(db, "PRAGMA busy_timeout;"));
    }

    private static async Task<object?> Scalar(WorkbenchDbContext db, string sql)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
