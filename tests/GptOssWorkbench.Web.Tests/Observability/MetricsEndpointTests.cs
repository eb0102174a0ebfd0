namespace GptOssWorkbench.Web.Tests.Observability;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GptOssWorkbench.Data;
using GptOssWorkbench.Data.Runs;
using GptOssWorkbench.Data.Workspaces;
using GptOssWorkbench.Pipeline.Observability;
using GptOssWorkbench.Web.Tests.Api;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using YamlDotNet.RepresentationModel;

/// <summary>/metrics and the run traces on a real host that runs the trained demo model.</summary>
// Alone: the meter is process-wide and the run must be executed by this fixture's own host (see IsolatedHostsCollection).
[Collection(GptOssWorkbench.Web.Tests.Jobs.IsolatedHostsCollection.Name)]
public sealed class MetricsEndpointTests(ObservabilityHostFixture fixture) : IClassFixture<ObservabilityHostFixture>
{
    private static readonly string DeployFolder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../..", "src/deploy/observability"));

    [Fact]
    public async Task Metrics_are_refused_without_credentials_and_with_an_unknown_token()
    {
        using var anonymous = fixture.Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);

        using var wrong = ApiClients.Http(fixture.Host, ObservabilityHostFixture.ScrapeToken + "x");
        var response = await wrong.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("workbench_", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(UserRoles.Viewer)]
    [InlineData(UserRoles.Reviewer)]
    public async Task Metrics_are_refused_for_a_key_of_a_user_who_is_not_an_admin(string role)
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(role);
        using var http = ApiClients.Http(fixture.Host, key);

        var response = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("workbench_", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_are_served_for_an_admin_key_and_for_the_scrape_token()
    {
        var (adminKey, _) = await fixture.Host.CreateKeyAsync(UserRoles.Admin);

        foreach (var credential in new[] { adminKey, ObservabilityHostFixture.ScrapeToken })
        {
            using var http = ApiClients.Http(fixture.Host, credential);
            var response = await http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var scrape = new Scrape(await response.Content.ReadAsStringAsync());
            Assert.Contains("workbench_queue_depth", scrape.Names);
            Assert.Contains(scrape.Names, n => n.StartsWith("dotnet_", StringComparison.Ordinal)); // runtime metrics
        }
    }

    [Fact]
    public async Task After_a_run_the_scrape_shows_its_tokens_and_latencies_under_its_model_as_stored()
    {
        var run = await CompleteAsync("Tom has 7 apples and eats 3. How many are left?", traceParent: null);

        var scrape = await ScrapeAsync();

        var model = $"model=\"{fixture.ModelName}\"";
        var tokens = scrape.Values("workbench_tokens_generated_total", model).Sum();
        Assert.Equal(run.OutputTokens, (int)tokens);
        Assert.Equal(run.ReasoningTokens, (int)scrape.Values("workbench_tokens_generated_total", model, "channel=\"analysis\"").Sum());
        Assert.Equal(1, scrape.Values("workbench_run_time_to_first_token_seconds_count", model).Single());
        Assert.Equal(run.TimeToFirstTokenMs!.Value / 1000, scrape.Values("workbench_run_time_to_first_token_seconds_sum", model).Single(), 6);
        // One gap between each pair of consecutive tokens.
        Assert.Equal(run.OutputTokens - 1, scrape.Values("workbench_run_inter_token_latency_seconds_count", model).Single());
        Assert.InRange(scrape.Values("workbench_run_inter_token_latency_seconds_sum", model).Single(), 1e-6, 60);
        Assert.Equal(run.TokensPerSecond!.Value, scrape.Values("workbench_run_decode_rate_per_second_sum", model).Single(), 3);
        Assert.Equal(1, scrape.Values("workbench_runs_finished_total", model, "status=\"succeeded\"").Single());
        // The engine this host loaded for the run, as the Dashboard reads it.
        Assert.True(scrape.Values("workbench_engine_kv_cache_blocks_total", model).Single() > 0);
        Assert.Equal(0, scrape.Values("workbench_engine_preemptions_total", model).Single());
        Assert.InRange(scrape.Values("workbench_engine_prefix_cache_hit_ratio", model).Single(), 0, 1);
        // Database gauges: this run among the succeeded, and this host's own worker with a fresh heartbeat.
        Assert.True(scrape.Values("workbench_runs", "status=\"succeeded\"").Max() >= 1);
        Assert.InRange(scrape.Values("workbench_worker_heartbeat_age_seconds", "state=\"online\"").Min(), 0, 30);
    }

    [Fact]
    public async Task A_runs_spans_share_one_trace_from_the_web_request_through_the_job_to_the_engine()
    {
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource(WorkbenchTracing.SourceName, "Microsoft.AspNetCore").AddInMemoryExporter(spans).Build())
        {
            var traceId = ActivityTraceId.CreateRandom();
            var run = await CompleteAsync("Sara has 5 pens and buys 4 more. How many pens?", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

            var trace = spans.Where(s => s.TraceId == traceId).ToList();
            var request = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server);
            var job = Assert.Single(trace, s => s.Source.Name == WorkbenchTracing.SourceName && s.OperationName.StartsWith("job ", StringComparison.Ordinal));
            Assert.Equal(request.SpanId, job.ParentSpanId);
            foreach (var phase in new[] { "run.queue_wait", "engine.prefill", "engine.decode" })
            {
                var span = Assert.Single(trace, s => s.OperationName == phase);
                Assert.Equal(job.SpanId, span.ParentSpanId);
                Assert.Equal(run.Id, span.GetTagItem("workbench.run_id"));
            }
            var prefill = trace.Single(s => s.OperationName == "engine.prefill");
            Assert.Equal(run.TimeToFirstTokenMs!.Value, prefill.Duration.TotalMilliseconds, 0.01);
            Assert.Equal(run.OutputTokens, trace.Single(s => s.OperationName == "engine.decode").GetTagItem("gen_ai.usage.output_tokens"));
        }
    }

    [Fact]
    public async Task The_grafana_dashboard_queries_only_metrics_the_app_exports_and_prometheus_scrapes_them_with_the_token()
    {
        await CompleteAsync("Ann has 9 cards and gives away 2. How many remain?", traceParent: null);
        // No remote engine exists yet: record one error the way one will (the documented tags), so its panel's series exists.
        fixture.Host.Services.GetRequiredService<WorkbenchMetrics>().RemoteEngineErrors.Add(1,
            new("engine", "test-remote"), new("model", fixture.ModelName), new("kind", "timeout"));
        var exported = (await ScrapeAsync()).Names.Select(BaseName).ToHashSet();

        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(DeployFolder, "grafana/dashboards/workbench.json")));
        var exprs = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.True(exprs.Count >= 10, $"{exprs.Count} queries");
        // Metric names in PromQL: identifiers not followed by '(' (functions) and not inside by (...) / label braces.
        var queried = exprs.SelectMany(e => Regex.Matches(Regex.Replace(e, @"(by|without)\s*\([^)]*\)|\{[^}]*\}|\[[^\]]*\]", ""), @"[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()")
            .Select(m => m.Value)).Where(n => n.Contains('_')).ToHashSet();
        Assert.Contains("workbench_tokens_generated_total", queried);
        Assert.DoesNotContain(queried, n => !exported.Contains(BaseName(n)));

        var prometheus = LoadYaml("prometheus.yml");
        var job = (YamlMappingNode)((YamlSequenceNode)prometheus["scrape_configs"])[0];
        Assert.Equal("/metrics", job["metrics_path"].ToString());
        Assert.Equal("Bearer", ((YamlMappingNode)job["authorization"])["type"].ToString());

        var compose = LoadYaml("../../../docker-compose.yml");
        var services = (YamlMappingNode)compose["services"];
        foreach (var name in new[] { "prometheus", "grafana" })
            Assert.Equal("observability", ((YamlSequenceNode)((YamlMappingNode)services[name])["profiles"])[0].ToString());
        var mounts = ((YamlSequenceNode)((YamlMappingNode)services["grafana"])["volumes"]).Select(v => v.ToString().Split(':')[0]).ToList();
        Assert.All(mounts.Where(m => m.StartsWith("./", StringComparison.Ordinal)), m => Assert.True(Directory.Exists(Path.Combine(DeployFolder, "../../..", m)), m));
    }

    /// <summary>A histogram's series share one base name with the scrape's _bucket/_sum/_count suffixes.</summary>
    private static string BaseName(string name) => Regex.Replace(name, "_(bucket|sum|count)$", "");

    private static YamlMappingNode LoadYaml(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(DeployFolder, relative));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private async Task<Scrape> ScrapeAsync()
    {
        using var http = ApiClients.Http(fixture.Host, ObservabilityHostFixture.ScrapeToken);
        var response = await http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>One chat completion through /v1 (optionally inside a caller's trace); returns the run as stored.</summary>
    private async Task<Run> CompleteAsync(string question, string? traceParent)
    {
        var (key, _) = await fixture.Host.CreateKeyAsync(UserRoles.Reviewer);
        using var http = ApiClients.Http(fixture.Host, key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                model = fixture.ModelName, max_tokens = 96, temperature = 0, reasoning_effort = "low",
                messages = new[] { new { role = "user", content = question } },
            }), Encoding.UTF8, "application/json"),
        };
        if (traceParent is not null) request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var runId = long.Parse(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!["chatcmpl-run".Length..]);
        await using var db = await fixture.Host.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>().CreateDbContextAsync();
        var run = await db.Runs.SingleAsync(r => r.Id == runId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        return run;
    }
}
