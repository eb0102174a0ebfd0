// Distributed-mode worker: one process per device, running Hangfire jobs against its own engine.
// Filled in by the jobs-and-data issue; for now it starts, reports its device and idles.
using GptOssWorkbench.Engine;

var builder = Host.CreateApplicationBuilder(args);
var host = builder.Build();
var logger = host.Services.GetRequiredService<ILogger<Program>>();
logger.LogInformation("GptOssWorkbench worker on {Device} with {Threads} threads", TorchRuntime.DefaultDevice, TorchRuntime.Threads);
await host.RunAsync();
