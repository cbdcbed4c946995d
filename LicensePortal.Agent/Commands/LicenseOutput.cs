using System.Globalization;
using System.Text.Json;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>How the agent prints license contents and results.</summary>
internal static class LicenseOutput
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteText(TextWriter output, LicenseContent c)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"max desktops: {c.MaxDesktops}"));
        output.WriteLine(string.Create(inv, $"max images: {c.MaxImages}"));
        output.WriteLine(string.Create(inv, $"max users: {c.MaxUsers}"));
        output.WriteLine(string.Create(inv, $"max vcpus: {c.MaxVcpus}"));
        output.WriteLine(string.Create(inv, $"max vmem (GiB): {c.MaxVmemGib}"));
        output.WriteLine(string.Create(inv, $"max vdisk (GiB): {c.MaxVdiskGib}"));
        output.WriteLine(string.Create(inv, $"expires on: {c.ExpiresOn:yyyy-MM-dd}"));
        output.WriteLine($"mac: {c.Mac}");
        output.WriteLine($"serial: {c.SerialNumber}");
        output.WriteLine($"instance: {c.InstanceName}");
        output.WriteLine(string.Create(inv, $"revision: {c.Revision}"));
        output.WriteLine(string.Create(inv, $"issued at: {c.IssuedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        output.WriteLine($"vendor key: {c.VendorKeyId}");
        output.WriteLine($"host key fingerprint: {c.HostKeyFingerprint}");
    }

    public static void WriteJson(TextWriter output, LicenseVerificationResult result)
    {
        var c = result.Content;
        var document = new
        {
            valid = result.IsValid,
            code = result.Code.ToString(),
            message = result.Message,
            maxDesktops = c?.MaxDesktops,
            maxImages = c?.MaxImages,
            maxUsers = c?.MaxUsers,
            maxVcpus = c?.MaxVcpus,
            maxVmemGib = c?.MaxVmemGib,
            maxVdiskGib = c?.MaxVdiskGib,
            expiresOn = c?.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            mac = c?.Mac,
            serialNumber = c?.SerialNumber,
            instanceName = c?.InstanceName,
            revision = c?.Revision,
            issuedAt = c?.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            vendorKeyId = c?.VendorKeyId,
            hostKeyFingerprint = c?.HostKeyFingerprint,
        };
        output.WriteLine(JsonSerializer.Serialize(document, Json));
    }

    /// <summary>The rejection in the user's language (see <see cref="RejectionText"/>).</summary>
    public static string Rejection(LicenseVerificationResult result) => RejectionText.For(result, CultureInfo.CurrentUICulture);
}
