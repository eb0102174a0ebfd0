namespace GptOssWorkbench.Cli.Tests;

using System.Text.Json;
using System.Text.RegularExpressions;

public class TrainDemoCommandTests
{
    [Fact]
    public void A_wall_time_budget_stops_training_early_and_the_summary_counts_the_steps_taken()
    {
        var folder = Directory.CreateTempSubdirectory("train-demo-");
        try
        {
            // 3 seconds of training cannot reach 100000 steps: the summary must say how many were really taken.
            var result = GptOss.Run("train-demo", "--out", folder.FullName, "--steps", "100000", "--minutes", "0.05", "--log-every", "1",
                "--snapshot-every", "0", "--threads", "1");
            Assert.True(result.ExitCode == 0, result.StdErr);
            var logged = Regex.Matches(result.StdErr, @"^step (\d+)/", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();
            Assert.NotEmpty(logged);
            using var json = JsonDocument.Parse(result.LastLine);
            Assert.Equal(logged.Max(), json.RootElement.GetProperty("steps").GetInt32());
            Assert.Equal(100000, json.RootElement.GetProperty("stepLimit").GetInt32());
            Assert.True(logged.Max() < 100000);
            Assert.True(File.Exists(json.RootElement.GetProperty("artifact").GetString()));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
