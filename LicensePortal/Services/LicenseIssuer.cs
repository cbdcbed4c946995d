using System.Collections.Concurrent;
using System.Globalization;
using LicensePortal.Data;
using LicensePortal.Licensing;

namespace LicensePortal.Services;

/// <summary>
/// Makes license files: an instance's quotas, expiry and host on file, signed with a certified vendor key and sealed to
/// the host's key (LicensePortal.Licensing does the cryptography). No database: the caller records what it returns.
/// </summary>
public sealed class LicenseIssuer
{
    private const int HostKeyCacheSize = 10_000;

    private readonly ConcurrentDictionary<string, HostPublicKey> _hostKeys = new(StringComparer.Ordinal);

    /// <summary>The next revision of an instance's license, signed with <paramref name="vendorKey"/> and sealed to the host on file.</summary>
    /// <exception cref="LicenseException">A stored value cannot go into a license.</exception>
    /// <exception cref="KeyFileException">The host key on file is damaged.</exception>
    /// <exception cref="ArgumentException">The signing key's certificate does not cover now.</exception>
    public LicenseRecord Issue(Instance instance, CertifiedSigningKey vendorKey, string contentKey, int revision, PortalActor actor, DateTime now)
    {
        var host = HostKey(instance.PublicKey);
        // Host info from before identifiers were recorded stands for its MAC and serial.
        var recorded = HostIdentifierList.Parse(instance.HostIdentifiers) is { Count: > 0 } ids ? ids : new HostIdentity(instance.Mac, instance.SerialNumber).Identifiers;
        var issuedAt = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var content = new LicenseContent
        {
            MaxDesktops = instance.MaxDesktops,
            MaxImages = instance.MaxImages,
            MaxUsers = instance.MaxUsers,
            MaxVcpus = instance.MaxVcpus,
            MaxVmemGib = instance.MaxVmemGib,
            MaxVdiskGib = instance.MaxVdiskGib,
            ExpiresOn = instance.ExpiresOn,
            Mac = instance.Mac,
            SerialNumber = instance.SerialNumber,
            IssuedAt = issuedAt,
            Revision = revision,
            InstanceName = instance.Name,
            HostIdentifiers = recorded,
            RequiredHostMatches = HostIdentifierList.RequiredMatches(recorded.Count, instance.HostIdentifierTolerance),
        };
        return new LicenseRecord
        {
            InstanceId = instance.Id,
            Revision = revision,
            IssuedAt = issuedAt.UtcDateTime,
            VendorKeyId = vendorKey.KeyId,
            HostKeyFingerprint = host.Fingerprint,
            ContentKey = contentKey,
            FileText = LicenseFile.Issue(content, vendorKey, host),
            IssuedByUserName = actor.UserName,
        };
    }

    /// <summary>
    /// The host's parsed public key. Parsing checks both points (about a sixth of the cost of issuing a license), and the same
    /// stored key is parsed again at every revision, so parsed keys are kept; the set is bounded and starts over when full.
    /// </summary>
    private HostPublicKey HostKey(string stored)
    {
        if (_hostKeys.TryGetValue(stored, out var known))
        {
            return known;
        }
        var parsed = HostPublicKey.Import(stored);
        if (_hostKeys.Count >= HostKeyCacheSize)
        {
            _hostKeys.Clear();
        }
        _hostKeys[stored] = parsed;
        return parsed;
    }

    /// <summary>What a license for the instance would say (quotas, expiry, host and its identifiers, signing key): a new revision when it differs.</summary>
    public static string ContentKey(Instance i, string vendorKeyId) => string.Join('|',
        i.MaxDesktops, i.MaxImages, i.MaxUsers, i.MaxVcpus, i.MaxVmemGib, i.MaxVdiskGib,
        i.ExpiresOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), i.Mac, i.SerialNumber, i.HostKeyFingerprint, vendorKeyId,
        i.HostIdentifiers.Replace('\n', ',') + "/" + i.HostIdentifierTolerance.ToString(CultureInfo.InvariantCulture));
}
