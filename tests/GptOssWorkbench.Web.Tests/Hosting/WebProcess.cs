namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

/// <summary>
/// The workbench as a real process (`dotnet run --project src/GptOssWorkbench.Web`, as the README says, or
/// `dotnet GptOssWorkbench.Web.dll`), for what only a process shows: its environment from launch settings, static web
/// assets outside the test factory, what it prints and its exit code when it cannot start.
/// </summary>
public sealed class WebProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Seen)> _waiters = [];
    private readonly Lock _gate = new();

    private WebProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    /// <summary>tests/GptOssWorkbench.Web.Tests/bin/&lt;Configuration&gt;/&lt;framework&gt;/ -> the repository, and the build configuration.</summary>
    private static (string Repository, string Configuration, string Framework) Build
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            return (testOutput.Parent!.Parent!.Parent!.Parent!.Parent!.FullName, testOutput.Parent.Name, testOutput.Name);
        }
    }

    public static string WebDll
    {
        get
        {
            var (repository, configuration, framework) = Build;
            var dll = Path.Combine(repository, "src", "GptOssWorkbench.Web", "bin", configuration, framework, "GptOssWorkbench.Web.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the web app first: {dll}");
        }
    }

    public string DataDirectory { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The README's command (built already: --no-build, the tests' configuration), on a free loopback port.</summary>
    public static WebProcess StartReadmeCommand(IDictionary<string, string>? environment = null)
    {
        var (repository, configuration, _) = Build;
        return Start(["run", "--project", Path.Combine(repository, "src", "GptOssWorkbench.Web"), "-c", configuration, "--no-build",
            "--", "--urls", "http://127.0.0.1:0"], environment);
    }

    public static WebProcess StartDll(IDictionary<string, string>? environment = null, string urls = "http://127.0.0.1:0") =>
        Start([WebDll, "--urls", urls], environment);

    private static WebProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment)
    {
        var data = Directory.CreateTempSubdirectory("workbench-process-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Whatever environment the test runner has must not decide the app's: launch settings (or the default) do.
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment["Workbench__DataDirectory"] = data;
        start.Environment["Models__CreateDemoModel"] = "false";
        start.Environment["Jobs__WorkerCount"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var web = new WebProcess(process, data);
        process.OutputDataReceived += (_, e) => web.Add(e.Data);
        process.ErrorDataReceived += (_, e) => web.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return web;
    }

    private void Add(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        lock (_gate)
        {
            foreach (var (pattern, seen) in _waiters)
                if (pattern.Match(line) is { Success: true } match) seen.TrySetResult(match);
        }
    }

    /// <summary>The first output line matching <paramref name="pattern"/> (also one written before the call).</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        var seen = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((regex, seen));
            foreach (var line in _output)
                if (regex.Match(line) is { Success: true } match) seen.TrySetResult(match);
        }
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first == seen.Task) return await seen.Task;
        throw new TimeoutException($"{(first == exited ? "The process exited" : $"No line like '{pattern}' within {timeout}")}. Output:\n{Output}");
    }

    /// <summary>The address from "Now listening on: ..." once the app serves requests.</summary>
    public async Task<Uri> WaitUntilListeningAsync() =>
        new((await WaitForLineAsync(@"Now listening on: (http://\S+)", TimeSpan.FromSeconds(120))).Groups[1].Value);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        // WaitForExit without a timeout also waits for the redirected output to be read to its end.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the OS temp cleaner gets it later.
        }
    }
}
