using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using LicensePortal.Licensing;

namespace LicensePortal.Benchmarks;

/// <summary>Cost of the licensing primitives and of issuing and verifying one license.</summary>
[MemoryDiagnoser]
public class LicensingBenchmarks
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("licenseportal-license-v2\n");
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly byte[] _seed = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _message = RandomNumberGenerator.GetBytes(300);
    private readonly byte[] _aesKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(12);
    private readonly byte[] _cipher = new byte[300];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _peerPublic = Primitives.X25519PublicFromPrivate(RandomNumberGenerator.GetBytes(32));
    private readonly VendorRootKey _root = VendorRootKey.Generate();
    private readonly VendorKey _signingKey = VendorKey.Generate();
    private CertifiedSigningKey _vendor = null!;
    private readonly HostKey _host = HostKey.Generate();
    private byte[] _publicKey = [];
    private byte[] _signature = [];
    private LicenseContent _content = null!;
    private string _license = string.Empty;
    private VendorRootPublicKey _trusted = null!;
    private HostIdentity _identity = null!;
    private byte[] _hostInfo = [];

    /// <summary>Prepares keys, a signature and a license.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _vendor = new CertifiedSigningKey(_signingKey, _root.Certify(_signingKey.PublicKey, Now.AddDays(-180), Now.AddDays(180)));
        _publicKey = Primitives.Ed25519PublicFromSeed(_seed);
        _signature = Primitives.Ed25519Sign(_seed, Domain, _message);
        _identity = new HostIdentity("52:54:00:12:34:56", "VMware-42 1a 2b 3c");
        _content = new LicenseContent
        {
            MaxDesktops = 100,
            MaxImages = 20,
            MaxUsers = 150,
            MaxVcpus = 400,
            MaxVmemGib = 1024,
            MaxVdiskGib = 10240,
            ExpiresOn = new DateOnly(2027, 12, 31),
            Mac = _identity.Mac,
            SerialNumber = _identity.SerialNumber,
            IssuedAt = Now,
            Revision = 1,
            InstanceName = "demo-01",
        };
        _license = LicenseFile.Issue(_content, _vendor, _host.PublicKey);
        _trusted = _root.PublicKey;
        _hostInfo = Encoding.UTF8.GetBytes(HostInfoFile.Write("demo-01", _identity.Mac, _identity.SerialNumber, _host, Now));
    }

    /// <summary>Ed25519 signature over 300 bytes (BouncyCastle).</summary>
    [Benchmark]
    public byte[] Ed25519Sign() => Primitives.Ed25519Sign(_seed, Domain, _message);

    /// <summary>Ed25519 verification over 300 bytes (BouncyCastle).</summary>
    [Benchmark]
    public bool Ed25519Verify() => Primitives.Ed25519Verify(_publicKey, Domain, _message, _signature);

    /// <summary>Ephemeral X25519 key generation plus agreement (what sealing one license does).</summary>
    [Benchmark]
    public byte[] X25519KeyGenAndAgreement() => Primitives.X25519Agree(RandomNumberGenerator.GetBytes(32), _peerPublic);

    /// <summary>HKDF-SHA256 key derivation as used for a license.</summary>
    [Benchmark]
    public byte[] HkdfDerive() => LicenseFile.DeriveKey(_aesKey, _peerPublic, _peerPublic, "fedcba9876543210", "0123456789abcdef", new string('a', 64));

    /// <summary>AES-256-GCM encryption of 300 bytes, including key setup.</summary>
    [Benchmark]
    public byte[] AesGcmEncrypt300Bytes()
    {
        using var aes = new AesGcm(_aesKey, 16);
        aes.Encrypt(_nonce, _message, _cipher, _tag);
        return _cipher;
    }

    /// <summary>Issue one license: sign, X25519, HKDF, AES-GCM, armor, certificate appended.</summary>
    [Benchmark]
    public string LicenseFileIssue() => LicenseFile.Issue(_content, _vendor, _host.PublicKey);

    /// <summary>Verify one license: parse both blocks, certificate signature (Ed25519), X25519, HKDF, AES-GCM, license signature (Ed25519), checks.</summary>
    [Benchmark]
    public bool LicenseVerifierVerify() => LicenseVerifier.Verify(_license, _host, _trusted, _identity, Now).IsValid;

    /// <summary>Parse and verify one uploaded host info file.</summary>
    [Benchmark]
    public string HostInfoParse() => HostInfoFile.Parse(_hostInfo).InstanceName;
}
