namespace GptOssWorkbench.Web.Tests.Downloads;

using GptOssWorkbench.Pipeline.Downloads;
using Microsoft.Extensions.Configuration;

public sealed class HubOptionsTests
{
    [Fact]
    public void Hf_endpoint_and_hf_token_from_the_environment_win_over_settings()
    {
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:Endpoint"] = "https://mirror.example/", ["Hub:ParallelFiles"] = "2" }).Build();
        var fromSettings = HubOptions.From(settings, _ => null);
        Assert.Equal("https://mirror.example", fromSettings.Endpoint);
        Assert.Equal(2, fromSettings.ParallelFiles);
        Assert.False(fromSettings.HasToken);

        var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = "https://other.example", ["HF_TOKEN"] = "hf_x" };
        var fromEnv = HubOptions.From(settings, name => env.GetValueOrDefault(name));
        Assert.Equal("https://other.example", fromEnv.Endpoint);
        Assert.Equal("hf_x", fromEnv.Token);
        Assert.Equal(HubOptions.DefaultEndpoint, HubOptions.From(null, _ => null).Endpoint);
    }
}
