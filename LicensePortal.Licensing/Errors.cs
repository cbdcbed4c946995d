namespace LicensePortal.Licensing;

/// <summary>Stable reason codes for license files and license contents. The portal localizes by code.</summary>
public enum LicenseErrorCode
{
    /// <summary>No error: the license is valid.</summary>
    None = 0,

    /// <summary>The input is empty.</summary>
    Empty = 1,

    /// <summary>The input is larger than 64 KiB.</summary>
    TooLarge = 2,

    /// <summary>The input is binary or not valid UTF-8 text.</summary>
    NotText = 3,

    /// <summary>The input ends before the file is complete.</summary>
    Truncated = 4,

    /// <summary>The input does not follow the license file format.</summary>
    Malformed = 5,

    /// <summary>The file declares a format version this library does not know.</summary>
    UnsupportedVersion = 6,

    /// <summary>The license's signing key was certified by another vendor root than the one this host or product trusts.</summary>
    UnknownRootKey = 7,

    /// <summary>The license was encrypted for another host key, or cannot be decrypted (damaged).</summary>
    NotForThisHost = 8,

    /// <summary>The vendor signature does not verify.</summary>
    BadSignature = 9,

    /// <summary>The MAC address or serial number in the license differ from this host's.</summary>
    HostMismatch = 10,

    /// <summary>The license expiry date is before today's UTC date.</summary>
    Expired = 11,

    /// <summary>The license was issued more than five minutes after the current time (clock tamper).</summary>
    IssuedInFuture = 12,

    /// <summary>The license's revision is lower than the highest revision ever installed here (an older file copied back).</summary>
    OlderThanInstalled = 13,

    /// <summary>The signing key certificate the license carries is not signed by the trusted root, or names another signing key.</summary>
    BadCertificate = 14,

    /// <summary>The license's issue time lies outside the validity period of its signing key's certificate.</summary>
    CertificateExpired = 15,

    /// <summary>The clock is more than 24 hours behind the latest time this host has trusted (wound back).</summary>
    ClockWoundBack = 16,
}

/// <summary>Stable reason codes for host info files.</summary>
public enum HostInfoErrorCode
{
    /// <summary>The input is empty.</summary>
    Empty = 1,

    /// <summary>The input is larger than 64 KiB.</summary>
    TooLarge = 2,

    /// <summary>The input is binary or not valid UTF-8 text.</summary>
    NotText = 3,

    /// <summary>The input ends before the file is complete.</summary>
    Truncated = 4,

    /// <summary>The input does not follow the host info file format (wrong line, order, extra line or line endings).</summary>
    Malformed = 5,

    /// <summary>The file declares a format version this library does not know.</summary>
    UnsupportedVersion = 6,

    /// <summary>A field value is invalid (for example a MAC address or a key of the wrong length).</summary>
    InvalidField = 7,

    /// <summary>The check code (the host's signature) does not verify: the file was edited.</summary>
    BadCheckCode = 8,

    /// <summary>The input is text but not a host info file at all (it does not start with "LicensePortal-HostInfo:"); see <see cref="HostInfoFile.Screen"/>.</summary>
    NotHostInfo = 9,
}

/// <summary>Stable reason codes for vendor and host key files.</summary>
public enum KeyFileErrorCode
{
    /// <summary>The input is empty.</summary>
    Empty = 1,

    /// <summary>The input is larger than 64 KiB.</summary>
    TooLarge = 2,

    /// <summary>The input is binary or not valid UTF-8 text.</summary>
    NotText = 3,

    /// <summary>The input ends before the file is complete.</summary>
    Truncated = 4,

    /// <summary>The input is not a LicensePortal key file.</summary>
    Malformed = 5,

    /// <summary>The file declares a format version this library does not know.</summary>
    UnsupportedVersion = 6,

    /// <summary>The file is a LicensePortal key file of another type (for example a private key where a public key was expected).</summary>
    WrongKeyType = 7,

    /// <summary>The key id or fingerprint written in the file does not match the key it holds.</summary>
    KeyIdMismatch = 8,

    /// <summary>The key bytes are not a valid key.</summary>
    InvalidKey = 9,
}

/// <summary>Thrown when a license file or license content cannot be read.</summary>
public sealed class LicenseException : Exception
{
    /// <summary>Creates an exception with <see cref="LicenseErrorCode.Malformed"/>.</summary>
    public LicenseException() : this(LicenseErrorCode.Malformed, "The license is malformed.") { }

    /// <summary>Creates an exception with <see cref="LicenseErrorCode.Malformed"/> and a message.</summary>
    /// <param name="message">English message.</param>
    public LicenseException(string message) : this(LicenseErrorCode.Malformed, message) { }

    /// <summary>Creates an exception with <see cref="LicenseErrorCode.Malformed"/>, a message and an inner exception.</summary>
    /// <param name="message">English message.</param>
    /// <param name="innerException">The cause.</param>
    public LicenseException(string message, Exception innerException) : base(message, innerException) => Code = LicenseErrorCode.Malformed;

    /// <summary>Creates an exception with a reason code and message.</summary>
    /// <param name="code">Stable reason code.</param>
    /// <param name="message">English message.</param>
    public LicenseException(LicenseErrorCode code, string message) : base(message) => Code = code;

    /// <summary>The stable reason code.</summary>
    public LicenseErrorCode Code { get; }
}

/// <summary>Thrown when a host info file cannot be read or its check code does not verify.</summary>
public sealed class HostInfoException : Exception
{
    /// <summary>Creates an exception with <see cref="HostInfoErrorCode.Malformed"/>.</summary>
    public HostInfoException() : this(HostInfoErrorCode.Malformed, "The host info file is malformed.") { }

    /// <summary>Creates an exception with <see cref="HostInfoErrorCode.Malformed"/> and a message.</summary>
    /// <param name="message">English message.</param>
    public HostInfoException(string message) : this(HostInfoErrorCode.Malformed, message) { }

    /// <summary>Creates an exception with <see cref="HostInfoErrorCode.Malformed"/>, a message and an inner exception.</summary>
    /// <param name="message">English message.</param>
    /// <param name="innerException">The cause.</param>
    public HostInfoException(string message, Exception innerException) : base(message, innerException) => Code = HostInfoErrorCode.Malformed;

    /// <summary>Creates an exception with a reason code and message.</summary>
    /// <param name="code">Stable reason code.</param>
    /// <param name="message">English message.</param>
    public HostInfoException(HostInfoErrorCode code, string message) : base(message) => Code = code;

    /// <summary>The stable reason code.</summary>
    public HostInfoErrorCode Code { get; }
}

/// <summary>Thrown when a key file cannot be imported.</summary>
public sealed class KeyFileException : Exception
{
    /// <summary>Creates an exception with <see cref="KeyFileErrorCode.Malformed"/>.</summary>
    public KeyFileException() : this(KeyFileErrorCode.Malformed, "The key file is malformed.") { }

    /// <summary>Creates an exception with <see cref="KeyFileErrorCode.Malformed"/> and a message.</summary>
    /// <param name="message">English message.</param>
    public KeyFileException(string message) : this(KeyFileErrorCode.Malformed, message) { }

    /// <summary>Creates an exception with <see cref="KeyFileErrorCode.Malformed"/>, a message and an inner exception.</summary>
    /// <param name="message">English message.</param>
    /// <param name="innerException">The cause.</param>
    public KeyFileException(string message, Exception innerException) : base(message, innerException) => Code = KeyFileErrorCode.Malformed;

    /// <summary>Creates an exception with a reason code and message.</summary>
    /// <param name="code">Stable reason code.</param>
    /// <param name="message">English message.</param>
    public KeyFileException(KeyFileErrorCode code, string message) : base(message) => Code = code;

    /// <summary>The stable reason code.</summary>
    public KeyFileErrorCode Code { get; }
}
