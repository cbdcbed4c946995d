using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using LicensePortal.Licensing;

namespace LicensePortal.Tests.Licensing;

/// <summary>
/// Plain edwards25519 arithmetic (BigInteger, affine coordinates, slow and not constant time) to build the encodings and
/// signatures a forger would try: small-order points, points with a small-order component, y &gt;= p, S + L, chosen R.
/// Test code only; it is independent of BouncyCastle so it can show what BouncyCastle refuses.
/// </summary>
internal static class Ed25519TestMath
{
    public static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;

    public static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", CultureInfo.InvariantCulture);

    private static readonly BigInteger D = Mod(-121665 * Inv(121666));
    private static readonly BigInteger SqrtM1 = BigInteger.ModPow(2, (P - 1) / 4, P);

    /// <summary>The eight points of order 1, 2, 4 and 8, canonically encoded (hex).</summary>
    public static readonly string[] SmallOrderHex =
    [
        "0100000000000000000000000000000000000000000000000000000000000000", // identity, order 1
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // (0, -1), order 2
        "0000000000000000000000000000000000000000000000000000000000000000", // order 4
        "0000000000000000000000000000000000000000000000000000000000000080", // order 4
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
    ];

    /// <summary>A point of order 8 (encoding <see cref="SmallOrderHex"/>[4]).</summary>
    public static byte[] Order8 => Convert.FromHexString(SmallOrderHex[4]);

    /// <summary>The identity point, encoded.</summary>
    public static byte[] Identity => Convert.FromHexString(SmallOrderHex[0]);

    /// <summary>The five canonical X25519 u-coordinates of low order: 0, 1, p - 1 and the two of order 8.</summary>
    public static readonly BigInteger[] LowOrderX25519 =
    [
        BigInteger.Zero,
        BigInteger.One,
        P - 1,
        BigInteger.Parse("325606250916557431795983626356110631294008115727848805560023387167927233504", CultureInfo.InvariantCulture),
        BigInteger.Parse("39382357235489614581723060781553021112529911719440698176882885853963445705823", CultureInfo.InvariantCulture),
    ];

    public static BigInteger Mod(BigInteger a, BigInteger? m = null)
    {
        var n = m ?? P;
        var r = a % n;
        return r.Sign < 0 ? r + n : r;
    }

    private static BigInteger Inv(BigInteger a) => BigInteger.ModPow(Mod(a), P - 2, P);

    public static BigInteger FromLittleEndian(ReadOnlySpan<byte> b) => new(b, isUnsigned: true, isBigEndian: false);

    public static byte[] ToLittleEndian(BigInteger v, int length = 32)
    {
        var bytes = new byte[length];
        v.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return bytes;
    }

    /// <summary>32 bytes whose low 255 bits are <paramref name="y"/> (may be &gt;= p) and whose top bit is <paramref name="sign"/>.</summary>
    public static byte[] RawEncoding(BigInteger y, int sign = 0)
    {
        var bytes = ToLittleEndian(y);
        bytes[31] |= (byte)(sign << 7);
        return bytes;
    }

    public static (BigInteger X, BigInteger Y) Decode(ReadOnlySpan<byte> encoding)
    {
        var bytes = encoding.ToArray();
        var sign = bytes[31] >> 7;
        bytes[31] &= 0x7f;
        var y = FromLittleEndian(bytes);
        if (y >= P)
        {
            throw new ArgumentException("y >= p");
        }

        var x2 = Mod((y * y - 1) * Inv(D * y * y + 1));
        var x = BigInteger.ModPow(x2, (P + 3) / 8, P);
        if (Mod(x * x - x2) != 0)
        {
            x = Mod(x * SqrtM1);
        }

        if (Mod(x * x - x2) != 0)
        {
            throw new ArgumentException("not on the curve");
        }

        if ((int)(x & 1) != sign)
        {
            x = Mod(-x);
        }

        return (x, y);
    }

    public static byte[] Encode((BigInteger X, BigInteger Y) point) => RawEncoding(point.Y, (int)(point.X & 1));

    public static (BigInteger X, BigInteger Y) Add((BigInteger X, BigInteger Y) a, (BigInteger X, BigInteger Y) b)
    {
        var t = Mod(D * a.X * b.X * a.Y * b.Y);
        return (Mod((a.X * b.Y + b.X * a.Y) * Inv(1 + t)), Mod((a.Y * b.Y + a.X * b.X) * Inv(1 - t)));
    }

    public static (BigInteger X, BigInteger Y) Multiply(BigInteger k, (BigInteger X, BigInteger Y) point)
    {
        (BigInteger X, BigInteger Y) result = (0, 1);
        while (k > 0)
        {
            if (!k.IsEven)
            {
                result = Add(result, point);
            }

            point = Add(point, point);
            k >>= 1;
        }

        return result;
    }

    public static (BigInteger X, BigInteger Y) BasePoint => Decode(Convert.FromHexString("5866666666666666666666666666666666666666666666666666666666666666"));

    /// <summary>The sum of two encoded points, encoded (for a key or R with a small-order component).</summary>
    public static byte[] AddEncoded(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Encode(Add(Decode(a), Decode(b)));

    /// <summary>The same signature with S replaced by S + L: the same value modulo L, no longer the canonical one.</summary>
    public static byte[] WithSPlusL(ReadOnlySpan<byte> signature)
    {
        var s = FromLittleEndian(signature[32..]) + L;
        return [.. signature[..32], .. ToLittleEndian(s)];
    }

    /// <summary>
    /// An Ed25519 signature over <paramref name="message"/> by the key of <paramref name="seed"/> whose R is the given
    /// encoding of [r]B (+ a small-order point if the caller added one): S = r + SHA-512(R || A || M) * a mod L.
    /// </summary>
    public static byte[] SignWithR(ReadOnlySpan<byte> seed, BigInteger r, ReadOnlySpan<byte> rEncoding, ReadOnlySpan<byte> message)
    {
        var h = SHA512.HashData(seed);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        var a = FromLittleEndian(h.AsSpan(0, 32));
        var publicKey = Primitives.Ed25519PublicFromSeed(seed);
        var k = Mod(FromLittleEndian(SHA512.HashData([.. rEncoding, .. publicKey, .. message])), L);
        var s = Mod(r + (k * a), L);
        return [.. rEncoding, .. ToLittleEndian(s)];
    }

    /// <summary>A signature whose R is y = p + 1, a non-canonical spelling of the identity (r = 0); it satisfies the equation if R is reduced.</summary>
    public static byte[] SignWithNonCanonicalR(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message) =>
        SignWithR(seed, BigInteger.Zero, RawEncoding(P + 1), message);

    /// <summary>A signature whose R = [r]B + T with T of order 8: valid under the cofactored equation only.</summary>
    public static byte[] SignWithTorsionR(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message)
    {
        var r = Mod(FromLittleEndian(SHA512.HashData([.. seed, .. message])), L);
        var rPoint = Add(Multiply(r, BasePoint), Decode(Order8));
        return SignWithR(seed, r, Encode(rPoint), message);
    }

    /// <summary>A valid-looking key with a small-order component: the public key of the seed plus a point of order 8.</summary>
    public static byte[] MixedOrderKey(ReadOnlySpan<byte> seed) => AddEncoded(Primitives.Ed25519PublicFromSeed(seed), Order8);

    /// <summary>A non-canonical encoding: y = p + 3 (the low 255 bits are at least p).</summary>
    public static byte[] NonCanonicalEd25519 => RawEncoding(P + 3);
}
