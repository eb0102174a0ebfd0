namespace GptOssWorkbench.Data.Tests.Infrastructure;

using System.Text;

public static class Files
{
    public static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));
}
