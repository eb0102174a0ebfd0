namespace GptOssWorkbench.Pipeline.Tests.Remote;

using GptOssWorkbench.Pipeline.Remote;

public sealed class RemoteEngineOptionsTests
{
    private static RemoteEngineOptions Engine(string baseUrl, string kind = "vllm", string mode = "auto") =>
        new() { Name = "vllm/gpt-oss-120b", BaseUrl = baseUrl, Model = "openai/gpt-oss-120b", Kind = kind, Mode = mode };

    [Theory]
    [InlineData("http://gpu-1:8000", "http://gpu-1:8000/v1/")]
    [InlineData("http://gpu-1:8000/v1", "http://gpu-1:8000/v1/")]
    [InlineData("https://proxy.example/team/v1/", "https://proxy.example/team/v1/")]
    [InlineData("https://user:secret@proxy.example/openai?key=abc#x", "https://proxy.example/openai/v1/")]
    public void The_api_root_ends_in_v1_with_or_without_it_in_the_base_url_and_drops_credentials(string baseUrl, string expected) =>
        Assert.Equal(expected, Engine(baseUrl).ApiRoot.ToString());

    [Theory]
    [InlineData("gpu-1:8000")]
    [InlineData("ftp://gpu-1/v1")]
    [InlineData("/v1")]
    [InlineData("")]
    public void A_base_url_that_is_not_an_http_address_is_refused_naming_the_model(string baseUrl)
    {
        var error = Assert.Throws<ArgumentException>(() => Engine(baseUrl).ApiRoot);
        Assert.Contains("vllm/gpt-oss-120b", error.Message);
        Assert.Contains("http(s)", error.Message);
    }

    [Fact]
    public void The_safe_base_url_keeps_no_user_info_or_query_where_a_key_could_hide()
    {
        var safe = Engine("https://user:sk-secret@proxy.example/v1?api_key=sk-other").SafeBaseUrl;
        Assert.DoesNotContain("sk-", safe);
        Assert.DoesNotContain("user", safe);
        Assert.Equal("https://proxy.example/v1", safe);
        Assert.Equal("(invalid address)", Engine("not a url").SafeBaseUrl);
    }

    [Theory]
    [InlineData("vllm", RemoteMode.Completions)]
    [InlineData("sglang", RemoteMode.Completions)]
    [InlineData("llama.cpp", RemoteMode.Completions)]
    [InlineData("ollama", RemoteMode.Chat)]
    [InlineData("openai-compatible", RemoteMode.Chat)]
    public void Auto_mode_uses_raw_completions_where_the_kind_has_them(string kind, RemoteMode expected) =>
        Assert.Equal(expected, Engine("http://h:1", kind).EffectiveMode);

    [Fact]
    public void Ollama_in_completions_mode_and_an_unknown_mode_or_kind_are_refused_with_the_choices()
    {
        Assert.Contains("Ollama has no raw completions mode", Assert.Throws<ArgumentException>(() => Engine("http://h:1", "ollama", "completions").EffectiveMode).Message);
        Assert.Contains("auto, chat or completions", Assert.Throws<ArgumentException>(() => Engine("http://h:1", mode: "turbo").EffectiveMode).Message);
        Assert.Contains("vllm, sglang, ollama, llama.cpp or openai-compatible", Assert.Throws<ArgumentException>(() => RemoteEngineKinds.Parse("tgi")).Message);
        Assert.Equal("tgi", RemoteEngineKinds.TryName("tgi"));
        Assert.Equal("llama.cpp", RemoteEngineKinds.TryName("LlamaCpp"));
    }
}
