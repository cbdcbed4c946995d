namespace LicensePortal.Options;

/// <summary>
/// Configuration section "DataProtection": the certificate that encrypts the keys signing cookies and antiforgery tokens
/// where they are stored (the database), so a backup of the database cannot mint a cookie.
/// </summary>
public sealed class DataProtectionCertificateOptions
{
    public const string Section = "DataProtection";

    /// <summary>Default file name of the certificate the portal creates, in <see cref="LicensingOptions.KeyDirectory"/>.</summary>
    public const string DefaultFileName = "dataprotection.pfx";

    /// <summary>
    /// A PKCS#12 (.pfx) file with an RSA certificate and its private key. Empty: dataprotection.pfx in the key directory,
    /// created at first start (mode 0600) and reused afterwards. Every node needs the same file.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>, if it has one.</summary>
    public string? CertificatePassword { get; set; }
}
