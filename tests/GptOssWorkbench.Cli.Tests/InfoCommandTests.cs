namespace GptOssWorkbench.Cli.Tests;

using System.Diagnostics;
using System.Text.Json;

public class InfoCommandTests
{
    [Fact]
    public void Info_prints_device_and_threads_as_json()
    {
        var result = GptOss.Run("info");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.LastLine);
        Assert.Equal("cpu", json.RootElement.GetProperty("device").GetString());
        Assert.True(json.RootElement.GetProperty("threads").GetInt32() >= 1);
    }
}
