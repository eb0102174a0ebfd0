namespace GptOssWorkbench.Web.Tests.Hosting;

using System.Net;
using GptOssWorkbench.Web.Hosting;

[Collection(WorkbenchCollection.Name)]
public sealed class StaticAssetsTests(WorkbenchHostFixture fixture)
{
    // tests/GptOssWorkbench.Web.Tests/bin/<Configuration>/net10.0/ -> repository root
    private static readonly string RepositoryRoot = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    [Fact]
    public void Web_root_defaults_to_the_top_level_wwwroot_of_the_repository()
    {
        var options = WorkbenchPaths.CreateWebApplicationOptions([]);

        Assert.Equal(Path.Combine(RepositoryRoot, "wwwroot"), options.WebRootPath);
        Assert.True(File.Exists(Path.Combine(options.WebRootPath!, "css", "app.css")));
    }

    [Fact]
    public void Web_root_can_be_set_on_the_command_line()
    {
        var options = WorkbenchPaths.CreateWebApplicationOptions(["--Workbench:WebRoot=/srv/workbench/static"]);

        Assert.Equal("/srv/workbench/static", options.WebRootPath);
    }

    [Theory]
    [InlineData("/css/app.css", "text/css")]
    [InlineData("/favicon.svg", "image/svg+xml")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "text/css")]
    public async Task Serves_our_files_and_the_MudBlazor_assets(string path, string contentType)
    {
        using var client = fixture.Host.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
    }
}
