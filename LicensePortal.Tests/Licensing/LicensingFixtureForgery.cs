using System.Security.Cryptography;
using System.Text;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>Builds well-sealed but wrongly-signed license files, the way an attacker with only public keys could.</summary>
internal static class LicensingFixtureForgery
{
    public static string SealWithForeignSignature(LicenseContent content, VendorKey signer, string claimedKeyId, HostPublicKey host)
    {
        var plaintext = (content with { VendorKeyId = claimedKeyId, HostKeyFingerprint = host.Fingerprint }).ToBytes();
        byte[] inner = [.. plaintext, .. signer.Sign(LicenseFile.SignatureDomain, plaintext)];
        var ephemeral = RandomNumberGenerator.GetBytes(32);
        var ephemeralPublic = Primitives.X25519PublicFromPrivate(ephemeral);
        var shared = Primitives.X25519Agree(ephemeral, host.EncryptionKey);
        var headers = LicenseFile.BuildHeaders(claimedKeyId, host.Fingerprint, ephemeralPublic);
        var key = LicenseFile.DeriveKey(shared, ephemeralPublic, host.EncryptionKey, claimedKeyId, host.Fingerprint);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var body = new byte[12 + inner.Length + 16];
        nonce.CopyTo(body, 0);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, inner, body.AsSpan(12, inner.Length), body.AsSpan(12 + inner.Length), Encoding.UTF8.GetBytes(Armor.HeaderText(headers)));
        return Armor.Write("LICENSEPORTAL LICENSE", headers, body);
    }
}
