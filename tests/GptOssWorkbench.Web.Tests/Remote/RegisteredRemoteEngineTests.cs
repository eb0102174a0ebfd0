namespace GptOssWorkbench.Web.Tests.Remote;

using System.Text;
using System.Text.Json;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Audit;
using GptOssWorkbench.Data.Batches;
using GptOssWorkbench.Data.Conversations;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Pipeline;
using GptOssWorkbench.Pipeline.Batches;
using GptOssWorkbench.Pipeline.Hosting;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Remote;
using GptOssWorkbench.Web.Models;
using GptOssWorkbench.Web.Tests.Api;
using GptOssWorkbench.Web.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Remote engines registered on the Models page (not in configuration): they join the catalog at once, their runs go
/// through the same remote pipeline against the replay server, their key is only ever stored encrypted, bad input is
/// refused whole, and removing one keeps its runs.
/// </summary>
public sealed class RegisteredRemoteEngineTests : IClassFixture<RemoteReplayFixture>
{
    private readonly RemoteReplayFixture fixture;

    public RegisteredRemoteEngineTests(RemoteReplayFixture fixture)
    {
        this.fixture = fixture;
        // Answers only with the right bearer key, so a completed run proves the worker decrypted and sent it.
        foreach (var served in new[] { "reg-served", "reg-secret", "reg-edit-a", "reg-edit-b", "reg-remove", "reg-batch" })
        {
            fixture.Server.Script(served, c => c.StreamVllmIfKeyAsync(served, KeyFor(served)));
        }
    }

    private static string KeyFor(string served) => $"sk-{served}-0123456789abcdef";

    private IServiceProvider Services => fixture.Host.Services;

    /// <summary>Runs <paramref name="action"/> with the Models page's service, as one circuit would.</summary>
    private async Task<T> AdminAsync<T>(Func<RemoteEngineAdministration, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<RemoteEngineAdministration>());
    }

    private Task<RegisteredRemoteEngineView> RegisterAsync(string name, string served, string? apiKey, string kind = "vllm", int maxConcurrency = 2) =>
        AdminAsync(a => a.RegisterAsync(new RemoteEngineRegistration(name, fixture.Server.BaseUrl + "/v1", served, kind, maxConcurrency), apiKey));

    private async Task<List<AuditEntry>> AuditForAsync(string name)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().Where(e => e.Target == $"model:{name}").OrderBy(e => e.Id).ToListAsync();
    }

    [Fact]
    public async Task A_registered_engine_joins_the_catalog_and_the_models_api_and_its_runs_store_reasoning_and_answer()
    {
        await RegisterAsync("reg/vllm-20b", "reg-served", KeyFor("reg-served"));

        var listed = Assert.Single(await Services.GetRequiredService<ModelCatalog>().ListAsync(), m => m.Name == "reg/vllm-20b");
        Assert.True(listed.IsRemote);
        Assert.False(listed.FromConfiguration);
        Assert.Equal("vllm", listed.RemoteKind);
        var (apiKey, _) = await fixture.Host.CreateKeyAsync(UserRoles.Viewer);
        using var http = ApiClients.Http(fixture.Host, apiKey);
        var models = JsonDocument.Parse(await http.GetStringAsync("/v1/models")).RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString());
        Assert.Contains("reg/vllm-20b", models);

        var run = await fixture.RunAsync("reg/vllm-20b");

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var messages = run.Messages.Where(m => m.RunId == run.Id).OrderBy(m => m.Order).ToList();
        Assert.Equal([(Channels.Analysis, ServerShapes.ReasoningText), (Channels.Final, ServerShapes.AnswerText)], messages.Select(m => (m.Channel, m.Content)));
        Assert.Equal($"remote {fixture.Server.BaseUrl}/v1", run.Manifest.Device);
        Assert.Equal("served model reg-served", run.Manifest.WeightsFingerprint);
        Assert.StartsWith("vllm ", run.Manifest.EngineVersion);
        // A registered vllm engine runs in auto mode, i.e. raw completions: our harmony prompt, special tokens kept.
        Assert.Contains("raw-completions", run.Manifest.EngineVersion);
        Assert.False(fixture.Server.BodiesFor("reg-served").Last().GetProperty("skip_special_tokens").GetBoolean());
    }

    [Fact]
    public async Task The_api_key_is_stored_only_encrypted_and_never_in_the_database_file_the_manifest_the_audit_log_or_the_logs()
    {
        var key = KeyFor("reg-secret");
        var view = await RegisterAsync("reg/secret", "reg-secret", key);
        var run = await fixture.RunAsync("reg/secret");
        Assert.True(run.Status == RunStatus.Succeeded, run.Error); // the server accepted the decrypted key
        Assert.True(view.HasApiKey);

        await using (var db = await Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var row = await db.RegisteredRemoteEngines.AsNoTracking().SingleAsync(e => e.Name == "reg/secret");
            Assert.NotNull(row.ProtectedApiKey);
            Assert.DoesNotContain(key, Encoding.UTF8.GetString(row.ProtectedApiKey!) + Convert.ToBase64String(row.ProtectedApiKey!));
            Assert.DoesNotContain(key, JsonSerializer.Serialize(row.ProtectedApiKey) + row.BaseUrl + row.Model);
        }
        Assert.DoesNotContain(key, JsonSerializer.Serialize(run.Manifest));
        var audit = Assert.Single(await AuditForAsync("reg/secret"));
        Assert.Equal(AuditActions.ModelAdded, audit.Action);
        Assert.Contains("API key set", audit.Details);
        Assert.DoesNotContain(key, JsonSerializer.Serialize(audit));
        Assert.DoesNotContain(fixture.Host.Logs.Lines, l => l.Contains(key, StringComparison.Ordinal));
        // Every byte SQLite holds (main file and write-ahead log): the key appears nowhere in plain text.
        foreach (var file in Directory.GetFiles(fixture.Host.DataDirectory, "*.db*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            Assert.True(bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(key)) < 0, $"{Path.GetFileName(file)} holds the plain key");
        }
        // The catalog and the API describe the engine without it.
        var listed = Assert.Single(await Services.GetRequiredService<ModelCatalog>().ListAsync(), m => m.Name == "reg/secret");
        Assert.DoesNotContain(key, JsonSerializer.Serialize(listed));
        Assert.DoesNotContain(key, JsonSerializer.Serialize(await AdminAsync(a => a.ListAsync())));
    }

    [Fact]
    public async Task A_worker_built_like_the_worker_process_decrypts_the_key_from_the_shared_database_key_ring()
    {
        await RegisterAsync("reg/for-worker", "reg-served", KeyFor("reg-served"));

        // The worker's own container: its own content root and services, only the database in common with the web app.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        var database = DatabaseTarget.Sqlite(Path.Combine(fixture.Host.DataDirectory, "workbench.db"));
        services.AddDbContextFactory<WorkbenchDbContext>(options => WorkbenchDatabase.Configure(options, database));
        services.AddWorkbenchPipeline(new PipelineRole(Embedded: false, RecoversRuns: false));
        await using var worker = services.BuildServiceProvider();

        var engine = await worker.GetRequiredService<ModelCatalog>().FindRemoteAsync("reg/for-worker");

        Assert.NotNull(engine);
        Assert.Equal(KeyFor("reg-served"), engine.ApiKey);
        Assert.Equal("reg-served", engine.Model);
        Assert.Equal(2, engine.MaxConcurrency);
    }

    [Fact]
    public async Task A_batch_matrix_mixes_a_local_model_and_a_registered_engine_and_both_complete()
    {
        await RegisterAsync("reg/batch", "reg-batch", KeyFor("reg-batch"), kind: "openai-compatible");

        var batch = await Services.GetRequiredService<BatchService>().ImportAsync(
            new MemoryStream(Encoding.UTF8.GetBytes("prompt\nWhat is 2+2?\n")), "mixed.csv",
            new BatchImportRequest { Name = "mixed-registered", Matrix = new BatchMatrix { Models = [TinyModel.Name, "reg/batch"] } }, new BatchRunOptions(MaxTokens: 6));
        List<long> runIds;
        await using (var db = await Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
            runIds = await db.Runs.Where(r => r.BatchJobId == batch.Id).Select(r => r.Id).ToListAsync();

        Assert.Equal(2, runIds.Count);
        foreach (var id in runIds)
        {
            var run = await PipelineWaits.WaitForFinishAsync(Services, id);
            Assert.True(run.Status == RunStatus.Succeeded, $"{run.Manifest.ModelName}: {run.Error}");
        }
        Assert.True(fixture.Server.BodiesFor("reg-batch").Single().TryGetProperty("messages", out _)); // openai-compatible: chat mode
    }

    [Fact]
    public async Task A_key_that_cannot_be_decrypted_fails_the_run_saying_to_set_it_again()
    {
        await RegisterAsync("reg/broken-key", "reg-served", KeyFor("reg-served"));
        await using (var db = await Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            // What a lost key ring looks like from here: a blob no key of this database opens.
            var row = await db.RegisteredRemoteEngines.SingleAsync(e => e.Name == "reg/broken-key");
            row.ProtectedApiKey = [.. row.ProtectedApiKey!.Take(20), .. new byte[40]];
            await db.SaveChangesAsync();
        }

        var run = await fixture.RunAsync("reg/broken-key");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("The API key of remote model 'reg/broken-key' cannot be decrypted", run.Error);
        Assert.Contains("set the key again on the Models page", run.Error);
        Assert.Empty(run.Messages);
    }

    public static TheoryData<string, string, string, string, int, string> BadInput => new()
    {
        { "", "http://gpu-1:8000/v1", "m", "vllm", 4, "Give the remote model a name" },
        { "bad/relative", "gpu-1:8000/v1", "m", "vllm", 4, "must be an absolute http:// or https:// address" },
        { "bad/ftp", "ftp://gpu-1/v1", "m", "vllm", 4, "must be an absolute http:// or https:// address" },
        { "bad/not-a-url", "not a url", "m", "vllm", 4, "must be an absolute http:// or https:// address" },
        { "bad/userinfo", "http://admin:pw@gpu-1:8000/v1", "m", "vllm", 4, "must not contain a user name, password, query or fragment" },
        { "bad/query", "http://gpu-1:8000/v1?api_key=sk-x", "m", "vllm", 4, "must not contain a user name, password, query or fragment" },
        { "bad/no-model", "http://gpu-1:8000/v1", " ", "vllm", 4, "Give the served model id" },
        { "bad/kind", "http://gpu-1:8000/v1", "m", "tgi", 4, "Unknown remote engine kind 'tgi'" },
        { "bad/zero", "http://gpu-1:8000/v1", "m", "vllm", 0, "Max concurrency must be between 1 and 1024 (got 0)" },
        { "bad/too-many", "http://gpu-1:8000/v1", "m", "vllm", 1025, "Max concurrency must be between 1 and 1024 (got 1025)" },
        { "vllm-chat", "http://gpu-1:8000/v1", "m", "vllm", 4, "A model named 'vllm-chat' already exists (a configured remote engine, Models:Remote)" },
        { TinyModelName, "http://gpu-1:8000/v1", "m", "vllm", 4, $"A model named '{TinyModelName}' already exists (a configured model folder, Models:Folders)" },
    };

    private const string TinyModelName = TinyModel.Name;

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_refused_with_a_clear_message_and_nothing_is_stored_or_audited(string name, string url, string model, string kind, int concurrency, string message)
    {
        var factory = Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        int Count(WorkbenchDbContext db) => db.RegisteredRemoteEngines.Count();
        int before, auditBefore;
        await using (var db = await factory.CreateDbContextAsync())
            (before, auditBefore) = (Count(db), db.AuditLog.Count());

        var error = await Assert.ThrowsAsync<RemoteEngineRegistrationException>(() =>
            AdminAsync(a => a.RegisterAsync(new RemoteEngineRegistration(name, url, model, kind, concurrency), "sk-never-stored-key")));

        Assert.Contains(message, error.Message);
        Assert.DoesNotContain("sk-never-stored-key", error.Message);
        await using (var db = await factory.CreateDbContextAsync())
        {
            Assert.Equal(before, Count(db));
            Assert.Equal(auditBefore, db.AuditLog.Count());
        }
    }

    [Fact]
    public async Task A_second_engine_of_the_same_name_and_an_edit_with_an_empty_new_key_are_refused_and_the_first_stays_as_it_was()
    {
        await RegisterAsync("reg/twice", "reg-served", KeyFor("reg-served"));

        var duplicate = await Assert.ThrowsAsync<RemoteEngineRegistrationException>(() => RegisterAsync("reg/twice", "other", null));
        var emptyKey = await Assert.ThrowsAsync<RemoteEngineRegistrationException>(() => AdminAsync(a => a.UpdateAsync("reg/twice",
            new RemoteEngineRegistration("reg/twice", "http://elsewhere:9000", "other", "sglang", 8), new ApiKeyChange.Replace(" "))));

        Assert.Contains("A model named 'reg/twice' already exists (a registered remote engine)", duplicate.Message);
        Assert.Contains("The new API key is empty", emptyKey.Message);
        var engine = await Services.GetRequiredService<RemoteEngineRegistry>().FindAsync("reg/twice");
        Assert.NotNull(engine);
        Assert.Equal(("reg-served", "vllm", 2, KeyFor("reg-served")), (engine.Model, engine.Kind, engine.MaxConcurrency, engine.ApiKey));
        Assert.Single(await AuditForAsync("reg/twice"));
    }

    [Fact]
    public async Task A_model_folder_cannot_take_the_name_of_a_registered_engine()
    {
        await RegisterAsync("reg/name-taken", "reg-served", null);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Services.GetRequiredService<ModelCatalog>().RegisterAsync("reg/name-taken", TinyModel.FolderPath));

        Assert.Contains("A remote model named 'reg/name-taken' already exists", error.Message);
        var listed = Assert.Single(await Services.GetRequiredService<ModelCatalog>().ListAsync(), m => m.Name == "reg/name-taken");
        Assert.True(listed.IsRemote);
    }

    [Fact]
    public async Task An_edit_takes_effect_for_the_next_run_without_a_restart_and_is_audited_without_the_key()
    {
        await RegisterAsync("reg/edited", "reg-edit-a", KeyFor("reg-edit-a"));
        var first = await fixture.RunAsync("reg/edited");
        Assert.True(first.Status == RunStatus.Succeeded, first.Error);

        var changes = await AdminAsync(a => a.UpdateAsync("reg/edited",
            new RemoteEngineRegistration("reg/edited", fixture.Server.BaseUrl, "reg-edit-b", "vllm", 3), new ApiKeyChange.Replace(KeyFor("reg-edit-b"))));
        var second = await fixture.RunAsync("reg/edited");

        Assert.True(second.Status == RunStatus.Succeeded, second.Error); // the new served id and the new key were used
        Assert.Equal("served model reg-edit-b", second.Manifest.WeightsFingerprint);
        Assert.Single(fixture.Server.BodiesFor("reg-edit-b"));
        Assert.Contains("served model reg-edit-a -> reg-edit-b", changes);
        Assert.Contains("API key replaced", changes);
        var entries = await AuditForAsync("reg/edited");
        Assert.Equal([AuditActions.ModelAdded, AuditActions.RemoteEngineChanged], entries.Select(e => e.Action));
        Assert.Contains("max concurrency 2 -> 3", entries[1].Details);
        Assert.DoesNotContain(KeyFor("reg-edit-b"), entries[1].Details);
        Assert.DoesNotContain(KeyFor("reg-edit-a"), entries[1].Details);

        // Clearing the key: the next run goes out without one, and the server (which wants one) refuses it.
        await AdminAsync(a => a.UpdateAsync("reg/edited", new RemoteEngineRegistration("reg/edited", fixture.Server.BaseUrl, "reg-edit-b", "vllm", 3), ApiKeyChange.Clear));
        Assert.Null((await Services.GetRequiredService<RemoteEngineRegistry>().FindAsync("reg/edited"))!.ApiKey);
        var third = await fixture.RunAsync("reg/edited");
        Assert.Equal(RunStatus.Failed, third.Status);
        Assert.Contains("refused the API key (401)", third.Error);
        Assert.Equal("API key cleared", (await AuditForAsync("reg/edited")).Last().Details);
    }

    [Fact]
    public async Task Removing_an_engine_keeps_its_past_runs_takes_it_out_of_the_catalog_and_fails_new_runs_clearly()
    {
        await RegisterAsync("reg/removed", "reg-remove", KeyFor("reg-remove"));
        var past = await fixture.RunAsync("reg/removed");
        Assert.True(past.Status == RunStatus.Succeeded, past.Error);

        Assert.True(await AdminAsync(a => a.RemoveAsync("reg/removed")));

        Assert.DoesNotContain(await Services.GetRequiredService<ModelCatalog>().ListAsync(), m => m.Name == "reg/removed");
        await using (var db = await Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync())
        {
            var kept = await db.Runs.AsNoTracking().Include(r => r.Messages).SingleAsync(r => r.Id == past.Id);
            Assert.Equal(RunStatus.Succeeded, kept.Status);
            Assert.Equal("reg/removed", kept.Manifest.ModelName);
            Assert.Contains(kept.Messages, m => m.Channel == Channels.Final && m.Content == ServerShapes.AnswerText);
        }
        Assert.Equal([AuditActions.ModelAdded, AuditActions.ModelRemoved], (await AuditForAsync("reg/removed")).Select(e => e.Action));
        Assert.False(await AdminAsync(a => a.RemoveAsync("reg/removed"))); // already gone: nothing more is audited
        Assert.Equal(2, (await AuditForAsync("reg/removed")).Count);
        var after = await fixture.RunAsync("reg/removed"); // e.g. an API client that still knows the name
        Assert.Equal(RunStatus.Failed, after.Status);
        Assert.Contains("Model 'reg/removed' is not registered", after.Error);
    }
}
