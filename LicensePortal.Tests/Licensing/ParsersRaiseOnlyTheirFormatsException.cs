using System.Text;
using CsCheck;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>
/// Property tests of every parser in the licensing library: random bytes and mutations of valid files (bytes flipped,
/// cut, inserted, lines duplicated or swapped, control characters, line endings changed) are refused with the format's
/// own exception (or its result type), never another exception; the verifier never throws at all. Inputs over the
/// formats' 64 KiB limit are refused by size before any parsing, which bounds the work per input (no timings asserted).
/// </summary>
public sealed class ParsersRaiseOnlyTheirFormatsException(LicensingFixture f) : IClassFixture<LicensingFixture>
{
    private const int Iterations = 400;

    /// <summary>One edit of a file: what, where (a fraction of the length), how much, with which byte.</summary>
    private sealed record Edit(int Kind, double At, int Length, byte Value);

    private static readonly Gen<Edit> Edits = Gen.Select(Gen.Int[0, 7], Gen.Double[0, 1], Gen.Int[1, 64], Gen.Byte, (k, at, n, b) => new Edit(k, at, n, b));

    /// <summary>A valid file with one to five edits, or random bytes, or random text.</summary>
    private static Gen<byte[]> Mutated(byte[] valid) => Gen.Frequency(
        (6, Edits.Array[1, 5].Select(edits => edits.Aggregate(valid, Apply))),
        (1, Gen.Byte.Array[0, 2048]),
        (1, Gen.String[0, 512].Select(Encoding.UTF8.GetBytes)));

    private static byte[] Apply(byte[] input, Edit edit)
    {
        var bytes = input.ToList();
        var at = (int)(edit.At * bytes.Count);
        switch (edit.Kind)
        {
            case 0 when bytes.Count > 0: // flip one byte
                bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(edit.Value | 1);
                break;
            case 1: // cut a range
                bytes.RemoveRange(at, Math.Min(edit.Length, bytes.Count - at));
                break;
            case 2: // insert bytes
                bytes.InsertRange(at, Enumerable.Repeat(edit.Value, edit.Length));
                break;
            case 3: // truncate
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 4: // a control character
                bytes.Insert(at, (byte)(edit.Value % 32));
                break;
            default: // line-level: duplicate, swap, CRLF
                var lines = Encoding.UTF8.GetString([.. bytes]).Split('\n').ToList();
                var i = Math.Min((int)(edit.At * lines.Count), lines.Count - 1);
                var text = edit.Kind switch
                {
                    5 => string.Join('\n', lines.Take(i + 1).Append(lines[i]).Concat(lines.Skip(i + 1))),
                    6 when lines.Count > 1 => string.Join('\n', lines.Select((l, j) => j == i ? lines[(i + 1) % lines.Count] : j == (i + 1) % lines.Count ? lines[i] : l)),
                    _ => string.Join("\r\n", lines),
                };
                return Encoding.UTF8.GetBytes(text);
        }
        return [.. bytes];
    }

    /// <summary>Runs <paramref name="parse"/>; fails on any exception but <typeparamref name="TFormat"/>.</summary>
    private static void OnlyThrows<TFormat>(Action parse) where TFormat : Exception
    {
        try
        {
            parse();
        }
        catch (TFormat)
        {
        }
    }

    [Fact]
    public void Host_info_screening_and_parsing_raise_only_HostInfoException()
    {
        var valid = Encoding.UTF8.GetBytes(HostInfoFile.Write("edge-01", "52:54:00:12:34:56", "SN-1", f.Host, LicensingFixture.Now));

        Mutated(valid).Sample(bytes =>
        {
            _ = HostInfoFile.Screen(bytes);
            OnlyThrows<HostInfoException>(() => HostInfoFile.Parse(bytes));
            OnlyThrows<HostInfoException>(() => HostInfoFile.Parse(Encoding.UTF8.GetString(bytes)));
        }, iter: Iterations);
    }

    [Fact]
    public void License_reading_raises_only_LicenseException_and_the_verifier_never_throws()
    {
        var valid = Encoding.UTF8.GetBytes(f.Issue());
        var content = Encoding.UTF8.GetBytes(f.Verify(f.Issue()).Content!.ToText());

        Mutated(valid).Sample(bytes =>
        {
            var text = Encoding.UTF8.GetString(bytes);
            OnlyThrows<LicenseException>(() => LicenseFile.ReadHeader(text));
            // The verifier answers with a result code for anything; an exception out of it would reach the product.
            _ = LicenseVerifier.Verify(text, f.Host, f.Trusted, f.Identity, LicensingFixture.Now);
        }, iter: Iterations);
        Mutated(content).Sample(bytes => OnlyThrows<LicenseException>(() => LicenseContent.Parse(Encoding.UTF8.GetString(bytes))), iter: Iterations);
    }

    [Fact]
    public void Key_file_and_certificate_imports_raise_only_KeyFileException()
    {
        var imports = new (string File, Action<string> Import)[]
        {
            (f.Host.ExportPrivate(), t => HostKey.ImportPrivate(t)),
            (f.Host.PublicKey.Export(), t => HostPublicKey.Import(t)),
            (f.Vendor.Key.ExportPrivate(), t => VendorKey.ImportPrivate(t)),
            (f.Vendor.Key.PublicKey.Export(), t => VendorPublicKey.Import(t)),
            (f.Root.ExportPrivate(), t => VendorRootKey.ImportPrivate(t)),
            (f.Root.PublicKey.Export(), t => VendorRootPublicKey.Import(t)),
            (f.Vendor.Certificate.Export(), t => SigningKeyCertificate.Import(t)),
        };
        foreach (var (file, import) in imports)
        {
            import(file); // the valid file imports
            Mutated(Encoding.UTF8.GetBytes(file)).Sample(bytes => OnlyThrows<KeyFileException>(() => import(Encoding.UTF8.GetString(bytes))), iter: Iterations / 4);
        }
    }

    [Fact]
    public void Every_format_refuses_input_over_its_size_limit_before_parsing_it()
    {
        // Valid-looking starts padded past the limit: refused by size, whatever follows.
        var hostInfo = HostInfoFile.Write("edge-01", "52:54:00:12:34:56", "SN-1", f.Host, LicensingFixture.Now);
        var padded = (string start) => start + new string('A', HostInfoFile.MaxBytes + 1 - start.Length);

        Assert.Equal(HostInfoErrorCode.TooLarge, HostInfoFile.Screen(Encoding.UTF8.GetBytes(padded(hostInfo))));
        Assert.Equal(HostInfoErrorCode.TooLarge, Assert.Throws<HostInfoException>(() => HostInfoFile.Parse(padded(hostInfo))).Code);
        Assert.Equal(LicenseErrorCode.TooLarge, Assert.Throws<LicenseException>(() => LicenseFile.ReadHeader(padded(f.Issue()))).Code);
        Assert.Equal(LicenseErrorCode.TooLarge, LicenseVerifier.Verify(padded(f.Issue()), f.Host, f.Trusted, f.Identity, LicensingFixture.Now).Code);
        Assert.Equal(KeyFileErrorCode.TooLarge, Assert.Throws<KeyFileException>(() => HostKey.ImportPrivate(padded(f.Host.ExportPrivate()))).Code);
        Assert.Equal(KeyFileErrorCode.TooLarge, Assert.Throws<KeyFileException>(() => VendorRootPublicKey.Import(padded(f.Root.PublicKey.Export()))).Code);
    }
}
