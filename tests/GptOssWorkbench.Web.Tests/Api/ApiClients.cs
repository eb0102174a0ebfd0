namespace GptOssWorkbench.Web.Tests.Api;

using System.ClientModel;
using System.Net.Http.Headers;
using GptOssWorkbench.Web.Accounts;
using GptOssWorkbench.Web.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

/// <summary>API keys for test users, and the official OpenAI client pointed at a test host.</summary>
public static class ApiClients
{
    public static async Task<(string Key, TestAccounts.TestUser User)> CreateKeyAsync(this WorkbenchHost host, string role, int? rateLimitPerMinute = null)
    {
        var user = await host.CreateUserAsync(role);
        var (_, secret) = await host.Services.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "test", rateLimitPerMinute);
        return (secret, user);
    }

    public static OpenAIClientOptions Options(WorkbenchHost host) => new() { Endpoint = new Uri(host.BaseAddress, "/v1") };

    public static ChatClient Chat(WorkbenchHost host, string key, string model) => new(model, new ApiKeyCredential(key), Options(host));

    public static OpenAIModelClient Models(WorkbenchHost host, string key) => new(new ApiKeyCredential(key), Options(host));

    public static HttpClient Http(WorkbenchHost host, string? key)
    {
        var client = host.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
