namespace GptOssWorkbench.Web.Accounts;

using System.Security.Cryptography;

public static class Passwords
{
    /// <summary>
    /// 20 random characters from a 64-letter alphabet (120 bits). Identity's rules here are length only
    /// (see AccountsExtensions), so a random string always passes.
    /// </summary>
    public static string Generate() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 20);
}
