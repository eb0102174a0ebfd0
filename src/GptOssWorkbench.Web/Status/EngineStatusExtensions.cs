namespace GptOssWorkbench.Web.Status;

public static class EngineStatusExtensions
{
    public static void AddWorkbenchEngineStatus(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(_ => EngineStatus.Read());
    }
}
