namespace GptOssWorkbench.Cli;

using System.CommandLine;
using System.Text.Json;
using GptOssWorkbench.Engine;

/// <summary>`gptoss info`: proves libtorch loads and shows the device and thread count.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the engine's device and thread count as JSON");
        command.SetAction(_ =>
        {
            Console.WriteLine(JsonSerializer.Serialize(new { device = TorchRuntime.DefaultDevice, threads = TorchRuntime.Threads }));
            return 0;
        });
        return command;
    }
}
