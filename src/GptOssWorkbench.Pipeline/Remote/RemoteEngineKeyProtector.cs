namespace GptOssWorkbench.Pipeline.Remote;

using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

/// <summary>
/// Encrypts the API keys of registered remote engines with ASP.NET Core Data Protection. The key ring is stored in the
/// database (see <c>AddWorkbenchDataProtection</c>), so the web app that encrypts a key and the worker that sends it
/// decrypt with the same keys; the purpose string keeps these blobs apart from cookies and other protected payloads.
/// </summary>
public sealed class RemoteEngineKeyProtector(IDataProtectionProvider provider)
{
    public const string Purpose = "GptOssWorkbench.RemoteEngineKey";

    private readonly IDataProtector protector = provider.CreateProtector(Purpose);

    public byte[] Protect(string apiKey) => protector.Protect(Encoding.UTF8.GetBytes(apiKey));

    /// <summary>The plain key, for the request's Authorization header only.</summary>
    /// <exception cref="RemoteEngineKeyException">The key ring that encrypted it is gone (or the blob was altered).</exception>
    public string Unprotect(string engineName, byte[] protectedKey)
    {
        try
        {
            return Encoding.UTF8.GetString(protector.Unprotect(protectedKey));
        }
        catch (CryptographicException)
        {
            throw new RemoteEngineKeyException(
                $"The API key of remote model '{engineName}' cannot be decrypted: the Data Protection key ring that encrypted it is not in this "
                + "database (it was replaced, or this process uses another application name). An admin must set the key again on the Models page.");
        }
    }
}

/// <summary>A stored API key that cannot be decrypted; the message says what to do and never contains the key.</summary>
public sealed class RemoteEngineKeyException(string message) : Exception(message);
