using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>How the agent prints license contents and results.</summary>
internal static class LicenseOutput
{
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
        var document = new LicenseJson(
            result.IsValid,
            result.Code.ToString(),
            result.Message,
            c?.MaxDesktops,
            c?.MaxImages,
            c?.MaxUsers,
            c?.MaxVcpus,
            c?.MaxVmemGib,
            c?.MaxVdiskGib,
            c?.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            c?.Mac,
            c?.SerialNumber,
            c?.InstanceName,
            c?.Revision,
            c?.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            c?.VendorKeyId,
            c?.HostKeyFingerprint);
        output.WriteLine(JsonSerializer.Serialize(document, LicenseJsonContext.Default.LicenseJson));
    }

    /// <summary>The rejection in the user's language (see <see cref="RejectionText"/>).</summary>
    public static string Rejection(LicenseVerificationResult result) => RejectionText.For(result, UserLanguage.IsChinese());
}

/// <summary>What <c>verify --json</c> prints; the field order is the output's.</summary>
internal sealed record LicenseJson(
    bool Valid,
    string Code,
    string Message,
    int? MaxDesktops,
    int? MaxImages,
    int? MaxUsers,
    int? MaxVcpus,
    int? MaxVmemGib,
    int? MaxVdiskGib,
    string? ExpiresOn,
    string? Mac,
    string? SerialNumber,
    string? InstanceName,
    int? Revision,
    string? IssuedAt,
    string? VendorKeyId,
    string? HostKeyFingerprint);

/// <summary>Source-generated serializer (no reflection, so the native build keeps it): camelCase, indented, nulls written.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(LicenseJson))]
internal sealed partial class LicenseJsonContext : JsonSerializerContext;
