namespace GptOssWorkbench.Web.Api;

using GptOssWorkbench.Pipeline.Models;

public static class ModelsEndpoint
{
    public static async Task<IResult> ListAsync(ModelCatalog catalog, CancellationToken cancellationToken)
    {
        var models = await catalog.ListAsync(cancellationToken);
        return Results.Json(new
        {
            @object = "list",
            data = models.Select(m => new { id = m.Name, @object = "model", created = 0, owned_by = "gptoss-workbench" }),
        });
    }
}
