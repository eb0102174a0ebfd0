namespace GptOssWorkbench.Cli.Tests;

using System.Diagnostics;
using System.Text.Json;

/// <summary>`gptoss chat` driven through a real (random-weight) checkpoint written by `gptoss make-model`.</summary>
public sealed class ChatCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gptoss-chat-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void One_prompt_on_a_random_weight_model_gives_a_parsed_transcript_as_json()
    {
        var model = Path.Combine(_dir, "tiny");
        Assert.Equal(0, GptOss.Run("make-model", "--preset", "tiny", "--out", model, "--seed", "7").ExitCode);

        var first = GptOss.Run("chat", "--model", model, "--prompt", "What is 2 + 2?", "--max-tokens", "10", "--seed", "5", "--effort", "low");
        var again = GptOss.Run("chat", "--model", model, "--prompt", "What is 2 + 2?", "--max-tokens", "10", "--seed", "5", "--effort", "low");

        Assert.True(first.ExitCode == 0, first.StdErr);
        using var json = JsonDocument.Parse(first.LastLine);
        var messages = json.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Equal("assistant", m.GetProperty("role").GetString()));
        var generated = json.RootElement.GetProperty("generated_tokens").GetInt32();
        Assert.InRange(generated, 1, 10);
        // The prompt is the system message (effort low) plus the user turn: far more than a handful of tokens.
        Assert.True(json.RootElement.GetProperty("prompt_tokens").GetInt32() > 50);
        Assert.Equal(first.LastLine, again.LastLine); // same seed, same transcript
    }

    [Fact]
    public async Task Interactive_chat_reads_turns_from_stdin_until_exit()
    {
        var model = Path.Combine(_dir, "tiny");
        Assert.Equal(0, GptOss.Run("make-model", "--preset", "tiny", "--out", model, "--seed", "3").ExitCode);

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in new[] { GptOss.DllPath, "chat", "--model", model, "--max-tokens", "4", "--seed", "1" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.WriteLine("first question");
        process.StandardInput.WriteLine("second question");
        process.StandardInput.WriteLine("exit");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, await stderr);
        var output = await stdout;
        Assert.Contains("type a message", output);
        // Random weights never say <|return|>: each of the two turns ends at the 4-token limit and says so.
        Assert.Equal(2, output.Split("token limit reached").Length - 1);
        Assert.False(output.Contains('\u001b'), "no colour codes when stdout is not a terminal");
    }

    [Fact]
    public void Chat_with_a_missing_model_folder_fails_with_a_clear_message()
    {
        var result = GptOss.Run("chat", "--model", Path.Combine(_dir, "nothing-here"), "--prompt", "hi");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("nothing-here", result.StdErr);
    }
}
