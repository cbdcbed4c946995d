// The example of docs/embedding-the-verifier.md, compiled and run by the test suite (DocumentedExamplesWork).
// Between the two "example" markers the text must equal the document's code block.
// example: begin
using LicensePortal.Licensing;

namespace Contoso.Vdi.Licensing;

/// <summary>How the licensed product reads its license: offline, trusting only the vendor root built into its source.</summary>
public static class ProductLicense
{
    // The vendor's root public key: the base64 line of vendor-root.pub (GET /vendor-root.pub; /vendor-keys shows its
    // fingerprint). A constant in the product's code, never read from a file or setting the host's owner could replace.
    private static readonly VendorRootPublicKey VendorRoot =
        VendorRootPublicKey.FromBytes(Convert.FromBase64String("TLlHWO+cQJ4tGNjsoJ2XhJhHgCPtdPKj2ZoEXTvnVRg="));

    /// <summary>Verifies the installed license for this host and checks today's usage against it.</summary>
    public static QuotaCheckResult Check(string licenseFile, string hostKeyFile, HostIdentity thisHost, LicenseHighWater highWater, QuotaUsage usage)
    {
        var hostKey = HostKey.ImportPrivate(File.ReadAllText(hostKeyFile));
        var now = DateTimeOffset.UtcNow;
        var result = LicenseVerifier.Verify(File.ReadAllText(licenseFile), hostKey, VendorRoot, thisHost, now, highWater);
        if (result.Content is null || (!result.IsValid && result.Code != LicenseErrorCode.Expired))
        {
            throw new InvalidOperationException($"License rejected ({result.Code}): {result.Message}");
        }

        return QuotaCheck.Check(result.Content, usage, now);
    }
}
// example: end
