namespace GptOssWorkbench.Cli;

using System.CommandLine;

/// <summary>The list of `gptoss` subcommands; each lives in its own file and is added here.</summary>
public static class CliCommands
{
    public static IEnumerable<Command> All()
    {
        yield return InfoCommand.Create();
        yield return MakeModelCommand.Create();
        yield return InspectCommand.Create();
        yield return DownloadCommand.Create();
        yield return LogitsCommand.Create();
        yield return GenerateCommand.Create();
        yield return RenderCommand.Create();
        yield return ParseCommand.Create();
        yield return ChatCommand.Create();
        yield return BenchCommand.Create();
        yield return JobsBenchCommand.Create();
        yield return TrainDemoCommand.Create();
        yield return EvalDemoCommand.Create();
    }
}
