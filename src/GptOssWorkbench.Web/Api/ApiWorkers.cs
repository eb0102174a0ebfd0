namespace GptOssWorkbench.Web.Api;

using Hangfire;

public static class ApiWorkers
{
    /// <summary>Whether any worker process serves the job queue: without one an API request would wait forever, so it gets a 503.</summary>
    public static bool Any(JobStorage jobs, ILogger logger)
    {
        try
        {
            return jobs.GetMonitoringApi().Servers().Count > 0;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not ask the job storage for workers.");
            return false;
        }
    }
}
