namespace GptOssWorkbench.Web.Tests.Jobs;

using GptOssWorkbench.Engine.Weights.Checkpoints;
using GptOssWorkbench.Pipeline.Models;
using GptOssWorkbench.Pipeline.Runs;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

[Collection(GptOssWorkbench.Web.Tests.Api.DemoModelHostsCollection.Name)]
public sealed class ModelCatalogTests
{
    [Fact]
    public async Task With_no_model_configured_the_labelled_trained_demo_model_is_installed_and_runs()
    {
        await using var host = WorkbenchHost.Start(_ => new Dictionary<string, string?> { ["Models:CreateDemoModel"] = "true" });
        var catalog = host.Services.GetRequiredService<ModelCatalog>();

        CatalogModel? demo = null;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (demo is null && DateTime.UtcNow < deadline)
        {
            demo = (await catalog.ListAsync()).SingleOrDefault();
            if (demo is null) await Task.Delay(200);
        }

        Assert.NotNull(demo);
        Assert.True(demo.IsDemo);
        // This build ships the trained gpt-oss-nano artifact, so that is the demo, and it says it is a demo.
        Assert.True(GptOssWorkbench.Engine.DemoModel.DemoModelInstaller.HasEmbeddedArtifact);
        Assert.Equal("gpt-oss-nano", demo.Name);
        Assert.Contains("Demo", demo.Description);
        Assert.Contains("Not a real gpt-oss model", demo.Description);
        Assert.StartsWith(host.DataDirectory, demo.FolderPath);
        Assert.Equal(CheckpointLoader.Inspect(demo.FolderPath).Fingerprint, demo.WeightsFingerprint);
        Assert.Equal(demo.Name, (await catalog.DefaultModelAsync())!.Name);

        var turn = await host.Services.GetRequiredService<RunLauncher>().SendChatMessageAsync(
            new ChatMessageRequest(null, "hi", new RunSettings { ModelName = demo.Name, MaxTokens = 3 }));
        var run = await PipelineWaits.WaitForFinishAsync(host.Services, turn.RunId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Contains(demo.Name, (await catalog.ListAsync()).Where(m => m.IsLoaded).Select(m => m.Name));
    }
}
