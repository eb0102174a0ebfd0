using System.CommandLine;
using GptOssWorkbench.Cli;

var root = new RootCommand("gptoss: run and study gpt-oss models (GptOssWorkbench engine)");
foreach (var command in CliCommands.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
