namespace LicensePortal.Licensing;

/// <summary>Reading and writing the armored key files.</summary>
internal static class KeyFiles
{
    public const string VendorPrivateLabel = "LICENSEPORTAL VENDOR PRIVATE KEY";
    public const string VendorPublicLabel = "LICENSEPORTAL VENDOR PUBLIC KEY";
    public const string HostPrivateLabel = "LICENSEPORTAL HOST PRIVATE KEY";
    public const string HostPublicLabel = "LICENSEPORTAL HOST PUBLIC KEY";
    public const string LicenseLabel = "LICENSEPORTAL LICENSE";
    public const string RootPrivateLabel = "LICENSEPORTAL VENDOR ROOT PRIVATE KEY";
    public const string RootPublicLabel = "LICENSEPORTAL VENDOR ROOT PUBLIC KEY";
    public const string CertificateLabel = "LICENSEPORTAL SIGNING KEY CERTIFICATE";

    public static string Describe(string label) => label switch
    {
        VendorPrivateLabel => "a vendor private key",
        VendorPublicLabel => "a vendor public key",
        HostPrivateLabel => "a host private key",
        HostPublicLabel => "a host public key",
        LicenseLabel => "a license file",
        RootPrivateLabel => "a vendor root private key",
        RootPublicLabel => "a vendor root public key",
        CertificateLabel => "a signing key certificate",
        _ => $"an unknown '{label}' block",
    };

    /// <summary>The key id written in a file must be the one computed from the key it holds.</summary>
    public static void RequireId(string written, string computed)
    {
        if (!Primitives.FixedTimeEquals(written, computed))
        {
            throw new KeyFileException(KeyFileErrorCode.KeyIdMismatch, $"The key id '{written}' written in the file does not match the key it holds ({computed}).");
        }
    }

    public static string Write(string label, string idHeader, string idValue, ReadOnlySpan<byte> body) =>
        Armor.Write(label, [new("Format", "1"), new(idHeader, idValue)], body);

    /// <summary>
    /// Reads an armored LicensePortal file of the expected label: input limits, label, canonical armor, and a first header
    /// "Format: 1". The caller checks the other headers and the body.
    /// </summary>
    public static ArmorBlock ReadBlock(string? text, string expectedLabel)
    {
        var what = Describe(expectedLabel);
        var problem = TextInput.TryCheck(text, out var normalized);
        switch (problem)
        {
            case TextProblem.Empty:
                throw new KeyFileException(KeyFileErrorCode.Empty, $"The key file is empty; expected {what}.");
            case TextProblem.TooLarge:
                throw new KeyFileException(KeyFileErrorCode.TooLarge, "The key file is larger than 64 KiB.");
            case TextProblem.NotText:
                throw new KeyFileException(KeyFileErrorCode.NotText, "The key file is binary or not UTF-8 text.");
            case TextProblem.MixedLineEndings:
                throw new KeyFileException(KeyFileErrorCode.Malformed, "The key file mixes CRLF and LF line endings.");
            case TextProblem.None:
                break;
        }

        var label = Armor.PeekLabel(normalized);
        if (label is null || !label.StartsWith("LICENSEPORTAL ", StringComparison.Ordinal))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, $"Not a LicensePortal key file; expected {what}.");
        }

        if (!string.Equals(label, expectedLabel, StringComparison.Ordinal))
        {
            throw new KeyFileException(KeyFileErrorCode.WrongKeyType, $"Key file of the wrong type: this is {Describe(label)}, expected {what}.");
        }

        var armorProblem = Armor.TryParse(normalized, out var block, out var detail);
        if (armorProblem != ArmorProblem.None || block is null)
        {
            throw new KeyFileException(armorProblem == ArmorProblem.Truncated ? KeyFileErrorCode.Truncated : KeyFileErrorCode.Malformed, $"The key file is damaged: {detail}.");
        }

        var headers = block.Headers;
        if (headers.Count < 1 || !string.Equals(headers[0].Key, "Format", StringComparison.Ordinal))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, "The key file has no 'Format' header.");
        }

        if (headers[0].Value.Length == 0 || !headers[0].Value.All(char.IsAsciiDigit))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, "The 'Format' header must be a version number.");
        }

        if (!string.Equals(headers[0].Value, "1", StringComparison.Ordinal))
        {
            throw new KeyFileException(KeyFileErrorCode.UnsupportedVersion, $"Key file format '{headers[0].Value}' is not supported (expected 1).");
        }

        return block;
    }

    /// <summary>Parses a key file of the expected label and returns (id header value, body).</summary>
    public static (string Id, byte[] Body) Read(string? text, string expectedLabel, string idHeader, int bodyLength)
    {
        var block = ReadBlock(text, expectedLabel);
        var headers = block.Headers;
        if (headers.Count != 2 || !string.Equals(headers[1].Key, idHeader, StringComparison.Ordinal))
        {
            throw new KeyFileException(KeyFileErrorCode.Malformed, $"The key file must have exactly the headers 'Format' and '{idHeader}'.");
        }

        if (block.Body.Length != bodyLength)
        {
            throw new KeyFileException(KeyFileErrorCode.InvalidKey, $"The key file holds {block.Body.Length} bytes; expected {bodyLength}.");
        }

        return (headers[1].Value, block.Body);
    }
}
