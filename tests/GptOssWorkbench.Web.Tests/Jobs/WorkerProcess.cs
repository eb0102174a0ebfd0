namespace GptOssWorkbench.Web.Tests.Jobs;

using System.Diagnostics;

/// <summary>A real worker process (`dotnet GptOssWorkbench.Worker.dll`) configured only by environment variables.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process process;
    private readonly string logFile;

    private WorkerProcess(Process process, string logFile)
    {
        this.process = process;
        this.logFile = logFile;
    }

    public static string WorkerDll => BuiltDll("GptOssWorkbench.Worker", "GptOssWorkbench.Worker.dll");

    /// <summary>
    /// A src project's build output next to this test build: tests/GptOssWorkbench.Web.Tests/bin/&lt;Configuration&gt;/&lt;tfm&gt;/
    /// -> src/&lt;project&gt;/bin/&lt;Configuration&gt;/&lt;tfm&gt;/&lt;dll&gt; (the test project builds it without referencing it).
    /// </summary>
    public static string BuiltDll(string project, string dll)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var repository = testOutput.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(repository, "src", project, "bin", configuration, framework, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first: {path}");
    }

    public static WorkerProcess Start(string name, IDictionary<string, string> environment, string logDirectory)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerDll);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment["Pipeline__WorkerName"] = name;
        var logFile = Path.Combine(logDirectory, $"{name}.log");
        var process = Process.Start(start)!;
        var log = new StreamWriter(logFile) { AutoFlush = true };
        var gate = new object();
        void Write(string? line) { if (line is not null) lock (gate) log.WriteLine(line); }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process, logFile);
    }

    public bool HasExited => process.HasExited;

    public int ProcessId => process.Id;

    /// <summary>SIGKILL: no shutdown code runs, like a crash or an OOM kill.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public string Log()
    {
        try
        {
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    public void Dispose()
    {
        if (!process.HasExited) Kill();
        process.Dispose();
    }
}
