using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LicensePortal.Options;

namespace LicensePortal.Accounts;

/// <summary>
/// The certificate that encrypts the Data Protection keys (which sign the auth, antiforgery and two-factor cookies) at rest
/// in the database: the configured PFX, or one the portal makes in the key directory on its first start and reuses.
/// </summary>
public static class CookieKeyCertificate
{
    /// <summary>Loads the certificate, creating the default one when it is not configured and not there yet.</summary>
    public static X509Certificate2 LoadOrCreate(DataProtectionCertificateOptions options, string keyDirectory)
    {
        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            var configured = Path.GetFullPath(options.CertificatePath);
            if (!File.Exists(configured))
            {
                throw new InvalidOperationException($"DataProtection:CertificatePath names {configured}, which does not exist.");
            }
            return Load(configured, options.CertificatePassword);
        }

        var path = Path.Combine(keyDirectory, DataProtectionCertificateOptions.DefaultFileName);
        if (File.Exists(path))
        {
            return Load(path, options.CertificatePassword);
        }
        CreateDirectory(keyDirectory);
        var temporary = Path.Combine(keyDirectory, $".{DataProtectionCertificateOptions.DefaultFileName}.{Guid.NewGuid():N}");
        PrivateFile.Write(temporary, New().Export(X509ContentType.Pkcs12));
        try
        {
            // Two nodes starting at once on an empty shared directory: the first file wins and both use it.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
        return Load(path, null);
    }

    private static X509Certificate2 Load(string path, string? password)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.DefaultKeySet);
        if (!certificate.HasPrivateKey || certificate.GetRSAPrivateKey() is null)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"{path} holds no RSA private key: the Data Protection keys need one to be encrypted and read.");
        }
        return certificate;
    }

    /// <summary>A self-signed RSA certificate; only its key pair matters (Data Protection checks no chain or dates).</summary>
    private static X509Certificate2 New()
    {
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=LicensePortal Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(100));
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
