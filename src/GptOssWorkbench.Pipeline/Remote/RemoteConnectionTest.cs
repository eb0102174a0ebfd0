namespace GptOssWorkbench.Pipeline.Remote;

using System.Diagnostics;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Serving;

/// <summary>The outcome of "Test connection": one sentence for the admin, and what the server said it serves.</summary>
public sealed record RemoteConnectionCheck(bool Ok, string Message, IReadOnlyList<string> ServedModels);

/// <summary>
/// "Test connection" for a remote engine: lists /v1/models and checks the configured model id is among them (llama.cpp
/// answers any model id, so only the list tells), then runs one tiny request in the mode runs will use. Each failure
/// (DNS, refused, TLS, 401, 404, timeout, a server that is not OpenAI-compatible) comes back as its own message.
/// </summary>
public sealed class RemoteConnectionTest(RemoteEngineClient client)
{
    public async Task<RemoteConnectionCheck> RunAsync(RemoteEngineOptions engine, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> models = [];
        try
        {
            var mode = engine.EffectiveMode;
            models = await client.ListModelsAsync(engine, cancellationToken);
            if (!models.Contains(engine.Model, StringComparer.Ordinal))
                return new(false, $"{engine.SafeBaseUrl} does not serve model '{engine.Model}'; it serves: {(models.Count == 0 ? "(none)" : string.Join(", ", models))}.", models);

            var conversation = new Conversation([
                HarmonyMessage.System(new SystemContent { ReasoningEffort = Engine.Harmony.ReasoningEffort.Low }),
                HarmonyMessage.User("Reply with the word OK."),
            ]);
            var manifest = new RunManifest { ModelName = engine.Name, MaxTokens = 16, Temperature = 0, ReasoningEffort = Data.Runs.ReasoningEffort.Low };
            var clock = Stopwatch.StartNew();
            var generation = client.Submit(engine, new RemoteRequest(mode, conversation, new HarmonyRenderer().RenderForCompletion(conversation), manifest), cancellationToken);
            await foreach (var _ in generation.Tokens.WithCancellation(CancellationToken.None))
            {
            }
            var result = await generation.Completion;
            if (result.Finish is GenerationFinish.Error or GenerationFinish.Cancelled)
                return new(false, result.Error ?? "The test request was cancelled.", models);
            var version = await client.ServerVersionAsync(engine, cancellationToken);
            return new(true,
                $"Connected: {engine.SafeBaseUrl} ({engine.ParsedKind.Name()}{(version is null ? "" : " " + version)}) serves '{engine.Model}'; "
                + $"a {result.CompletionTokens ?? result.Tokens}-token test reply ({(mode == RemoteMode.Chat ? "chat" : "raw completions")}) took {clock.ElapsedMilliseconds} ms.",
                models);
        }
        catch (RemoteEngineException e)
        {
            return new(false, e.Message, models);
        }
        catch (ArgumentException e)
        {
            return new(false, e.Message, models);
        }
    }
}
