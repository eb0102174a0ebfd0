namespace GptOssWorkbench.Cli.Tests;

using System.Diagnostics;

/// <summary>Runs the real `gptoss` executable as a child process, as users and outside checks do.</summary>
public static class GptOss
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string LastLine => StdOut.TrimEnd().Split('\n').Last().Trim();
    }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "gptoss.dll");

    public static Result Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(DllPath);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("gptoss " + string.Join(' ', args) + " did not finish in 5 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
