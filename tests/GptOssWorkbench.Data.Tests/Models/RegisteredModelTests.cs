namespace GptOssWorkbench.Data.Tests.Models;

using GptOssWorkbench.Data.Models;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

public class RegisteredModelTests
{
    [Fact]
    public async Task A_registered_model_keeps_its_folder_layout_fingerprint_demo_flag_and_defaults()
    {
        await using var database = await SqliteTestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            db.RegisteredModels.Add(new RegisteredModel
            {
                Name = "demo-tiny",
                FolderPath = "/data/models/demo-tiny",
                Layout = "original",
                WeightsFingerprint = "sha256:0123",
                IsDemo = true,
                CreatedAt = TestData.Now,
                Defaults = new ModelDefaults
                {
                    ReasoningEffort = ReasoningEffort.Low, Temperature = 0.3, TopP = 0.8, TopK = 20, MinP = 0.02,
                    MaxTokens = 128, SystemInstructions = "Random weights: output is noise.",
                },
            });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var model = await db.RegisteredModels.SingleAsync();
            Assert.Equal(("demo-tiny", "/data/models/demo-tiny", "original", "sha256:0123", true),
                (model.Name, model.FolderPath, model.Layout, model.WeightsFingerprint, model.IsDemo));
            var d = model.Defaults;
            Assert.Equal((ReasoningEffort.Low, 0.3, 0.8, (int?)20, (double?)0.02, 128), (d.ReasoningEffort, d.Temperature, d.TopP, d.TopK, d.MinP, d.MaxTokens));
            Assert.Equal("Random weights: output is noise.", d.SystemInstructions);

            db.RegisteredModels.Add(new RegisteredModel { Name = "demo-tiny", FolderPath = "/elsewhere", CreatedAt = TestData.Now });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
    }
}
