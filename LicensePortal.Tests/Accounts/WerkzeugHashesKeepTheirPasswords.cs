using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LicensePortal.Accounts;
using Org.BouncyCastle.Crypto.Generators;

namespace LicensePortal.Tests.Accounts;

/// <summary>
/// The first-generation Flask system stored werkzeug.security.generate_password_hash output. Those hashes check the
/// password they were made from and nothing else; hashes Werkzeug could not check, or that would take a sign-in hostage
/// (huge counts, huge scrypt cost), check nothing and never throw.
/// </summary>
public sealed class WerkzeugHashesKeepTheirPasswords
{
    /// <summary>
    /// Written by real Werkzeug 3.1.8 (python3: werkzeug.security.generate_password_hash(password, method, salt_length)),
    /// each confirmed there with check_password_hash; the no-count ones built from Werkzeug's _hash_internal / hashlib.
    /// </summary>
    public static TheoryData<string, string> WerkzeugVectors => new()
    {
        // method "pbkdf2:sha256:50000", salt_length 8: what a 2019 Flask system (Werkzeug 0.15's defaults) wrote
        { "pbkdf2:sha256:50000$3MoLOYoE$013be4d1321279dbe34feb6cdc7ef61b346374fadb897fcabe0b23377c252bde", "laoxitong-2019" },
        // method "pbkdf2:sha256" (Werkzeug writes its default count, 1,000,000 in 3.1)
        { "pbkdf2:sha256:1000000$PAkw4vpTf6HijEqM$392a6aba7473e80a4cb7d0ab7981663d292cd7da12cd4094646ab698907f7be9", "Kw8#mQ2!vX" },
        { "pbkdf2:sha1:1000$fT1Ugnra$2562dc3334d5b82011237749e66c45f87e49e350", "old-sha1-password" },
        { "pbkdf2:sha512:210000$xasSJAbFxD9yjems$c0bd0388ed054070f41610be93abf0b8c425d543574018f8379f44b8ffc2ed13d6d9ec123cb6e04a7fdfac4f5b1cf226c8558e6eebdcc7f837f7ea11dd1cf7ed", "sha512-密码-passwd" },
        // method "scrypt", Werkzeug 3's default
        { "scrypt:32768:8:1$LFdZREP55IDcuSRX$a5b337540b1d5976a43ec4c6b0ff2b8d40005260a7e2b250d041e0a95f7ec6b44ba62cd87db992e5cb7a3f62696420f8658c0a656be2ccfb6c807da8f37c8042", "密码Mima-2024" },
        { "scrypt:16384:8:2$zqPvbwsuX7VW$9b820b93cb84d4bf277cb1e593495f65db11790130797ade6fc1168a4681dd925f90b13ff53c1bcebc65580612a8e7c7ef41d83d7b741c5fa909225cafbe81a2", "scrypt-n14-p2" },
        // no parameters: Werkzeug reads scrypt:32768:8:1
        { "scrypt$BareScryptSalt01$be7f01b9d7f55e6804e8aff5a3e84114a4eb9b3021904e9e4b1e01524cfc3218a47de820ef699a5717b5292ac2a4c9ff045da6f32209f3a7f25c5118f71d3369", "bare-scrypt-pw" },
        // no count: Werkzeug 3.1 checks this with its default, 1,000,000 ...
        { "pbkdf2:sha256$NoCountSalt0001$bc654ea1ec9052e7ba392445978facc130c2d9d0bc1e14aeabc76d9460f61c79", "no-count-pw" },
        // ... and Werkzeug 0.15 with its own, 50,000 (hashlib.pbkdf2_hmac("sha256", password, salt, 50000))
        { "pbkdf2:sha256$Old0iter$d0f5d7c11c963414b2b0de8facdfeeadf849e23cbc12a2a66c0409b91a54d2ba", "count-from-0.15" },
    };

    [Theory]
    [MemberData(nameof(WerkzeugVectors))]
    public void A_hash_written_by_Werkzeug_checks_its_password_and_no_other(string hash, string password)
    {
        Assert.True(WerkzeugPasswordHash.IsWellFormed(hash));
        Assert.True(WerkzeugPasswordHash.Verify(hash, password));
        Assert.False(WerkzeugPasswordHash.Verify(hash, password + "x"));
        Assert.False(WerkzeugPasswordHash.Verify(hash, new string(password.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray())));
        Assert.False(WerkzeugPasswordHash.Verify(hash, ""));
        // One hex digit of the key changed: nothing matches.
        var last = hash[^1];
        var tampered = hash[..^1] + (last == '0' ? '1' : '0');
        Assert.True(WerkzeugPasswordHash.IsWellFormed(tampered));
        Assert.False(WerkzeugPasswordHash.Verify(tampered, password));
    }

    [Theory]
    [InlineData("sha1", 20)]
    [InlineData("sha256", 32)]
    [InlineData("sha384", 48)]
    [InlineData("sha512", 64)]
    public void A_pbkdf2_hash_computed_here_as_Werkzeug_does_checks_its_password(string digest, int keyLength)
    {
        const string password = "Zhang-San 密码 2018";
        const string salt = "sAlT-盐-8";
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(salt), 1234, new HashAlgorithmName(digest.ToUpperInvariant()), keyLength);
        var hash = $"pbkdf2:{digest}:1234${salt}${Convert.ToHexStringLower(key)}";

        Assert.True(WerkzeugPasswordHash.Verify(hash, password));
        Assert.False(WerkzeugPasswordHash.Verify(hash, "Zhang-San 密码 2019"));
        // The same key under another count or salt is another hash.
        Assert.False(WerkzeugPasswordHash.Verify(hash.Replace(":1234$", ":1235$", StringComparison.Ordinal), password));
        Assert.False(WerkzeugPasswordHash.Verify(hash.Replace("sAlT", "salt", StringComparison.Ordinal), password));
        // Werkzeug writes and compares lower-case hex: an upper-case key never matched there and does not here.
        Assert.False(WerkzeugPasswordHash.IsWellFormed($"pbkdf2:{digest}:1234${salt}${Convert.ToHexString(key)}"));
    }

    [Fact]
    public void A_scrypt_hash_computed_here_with_BouncyCastle_checks_its_password()
    {
        const string password = "王小明-scrypt";
        const string salt = "QuickSalt";
        var key = SCrypt.Generate(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(salt), 1024, 8, 1, 64);
        var hash = $"scrypt:1024:8:1${salt}${Convert.ToHexStringLower(key)}";

        Assert.True(WerkzeugPasswordHash.Verify(hash, password));
        Assert.False(WerkzeugPasswordHash.Verify(hash, "王小明-Scrypt"));
        Assert.False(WerkzeugPasswordHash.Verify(hash.Replace(":1024:8:1$", ":2048:8:1$", StringComparison.Ordinal), password));
        Assert.False(WerkzeugPasswordHash.Verify(hash.Replace(":1024:8:1$", ":1024:8:2$", StringComparison.Ordinal), password));
    }

    /// <summary>Hashes made at test time by python3's hashlib (what Werkzeug calls), random salt and a non-ASCII password.</summary>
    [Fact]
    public void Hashes_made_now_by_pythons_hashlib_check_their_passwords()
    {
        const string script = """
            import hashlib, secrets
            salt = secrets.token_urlsafe(12)
            pw = "口令-" + secrets.token_hex(4)
            print(pw)
            print(f"pbkdf2:sha256:4321${salt}${hashlib.pbkdf2_hmac('sha256', pw.encode(), salt.encode(), 4321).hex()}")
            print(f"scrypt:2048:8:1${salt}${hashlib.scrypt(pw.encode(), salt=salt.encode(), n=2048, r=8, p=1, maxmem=132*2048*8).hex()}")
            """;
        var start = new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEnd();
        var errors = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, errors);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Length);
        var password = lines[0];
        Assert.StartsWith("口令-", password, StringComparison.Ordinal);
        foreach (var hash in lines[1..])
        {
            Assert.True(WerkzeugPasswordHash.Verify(hash, password), hash);
            Assert.False(WerkzeugPasswordHash.Verify(hash, password[..^1]), hash);
        }
    }

    /// <summary>
    /// A right key behind a count or scrypt cost over the portal's bound checks nothing: the bound is what keeps a row with
    /// 2,000,000,000 iterations from holding a sign-in for hours (the same key under the bound checks, so it is the bound).
    /// </summary>
    [Fact]
    public void Hashes_costing_more_than_the_bound_are_refused_before_any_hashing()
    {
        var password = Encoding.UTF8.GetBytes("over-the-bound");
        var salt = Encoding.UTF8.GetBytes("Bound");
        var atBound = Rfc2898DeriveBytes.Pbkdf2(password, salt, WerkzeugPasswordHash.MaxPbkdf2Iterations, HashAlgorithmName.SHA1, 20);
        Assert.True(WerkzeugPasswordHash.Verify($"pbkdf2:sha1:{WerkzeugPasswordHash.MaxPbkdf2Iterations}$Bound${Convert.ToHexStringLower(atBound)}", "over-the-bound"));
        var overBound = Rfc2898DeriveBytes.Pbkdf2(password, salt, WerkzeugPasswordHash.MaxPbkdf2Iterations + 1, HashAlgorithmName.SHA1, 20);
        var over = $"pbkdf2:sha1:{WerkzeugPasswordHash.MaxPbkdf2Iterations + 1}$Bound${Convert.ToHexStringLower(overBound)}";
        Assert.False(WerkzeugPasswordHash.IsWellFormed(over));
        Assert.False(WerkzeugPasswordHash.Verify(over, "over-the-bound"));

        // scrypt: N·r·p = 2^16·8·3 is over 2^20 (and its key, computed here, is right).
        var scryptOver = SCrypt.Generate(password, salt, 1 << 16, 8, 3, 64);
        var hostile = $"scrypt:65536:8:3$Bound${Convert.ToHexStringLower(scryptOver)}";
        Assert.False(WerkzeugPasswordHash.IsWellFormed(hostile));
        Assert.False(WerkzeugPasswordHash.Verify(hostile, "over-the-bound"));
        Assert.True(WerkzeugPasswordHash.IsWellFormed($"scrypt:65536:8:2$Bound${Convert.ToHexStringLower(scryptOver)}"));
    }

    private const string Key32 = "013be4d1321279dbe34feb6cdc7ef61b346374fadb897fcabe0b23377c252bde";
    private const string Key64 = Key32 + Key32;

    public static TheoryData<string?> NotWerkzeugsOrNotCheckable => new()
    {
        null, "", "$", "$$", "pbkdf2", "pbkdf2:sha256:50000", "pbkdf2:sha256:50000$3MoLOYoE",
        $"pbkdf2:sha256:50000$${Key32}", // empty salt
        $"pbkdf2:sha256:50000$3MoLOYoE${Key32[..^2]}", // key too short
        $"pbkdf2:sha256:50000$3MoLOYoE${Key32}00", // too long
        $"pbkdf2:sha256:50000$3MoLOYoE${Key32[..^1]}g", // not hex
        $"pbkdf2:sha256:50000$3MoLOYoE$ {Key32[1..]}",
        $"pbkdf2:sha256:50000$3Mo$LOYoE${Key32}", // a third '$' lands in the key
        $"pbkdf2:sha1:50000$3MoLOYoE${Key32}", // sha1's key is 20 bytes
        $"pbkdf2:md5:50000$3MoLOYoE${Key32[..32]}",
        $"pbkdf2:SHA256:50000$3MoLOYoE${Key32}",
        $"pbkdf2:sha256:0$3MoLOYoE${Key32}", // hashlib refuses 0
        $"pbkdf2:sha256:-1$3MoLOYoE${Key32}",
        $"pbkdf2:sha256:+50000$3MoLOYoE${Key32}",
        $"pbkdf2:sha256: 50000$3MoLOYoE${Key32}",
        $"pbkdf2:sha256:５００００$3MoLOYoE${Key32}", // full-width digits (Python's int() takes them; Werkzeug never writes them)
        $"pbkdf2:sha256:2000000000$3MoLOYoE${Key32}",
        $"pbkdf2:sha256:99999999999999999999$3MoLOYoE${Key32}",
        $"pbkdf2:sha256:50000:1$3MoLOYoE${Key32}",
        $"pbkdf2:$3MoLOYoE${Key32}",
        $"pbkdf2::50000$3MoLOYoE${Key32}",
        $"PBKDF2:sha256:50000$3MoLOYoE${Key32}",
        $"sha256$3MoLOYoE${Key32}", // Werkzeug's removed salted-HMAC method
        $"plain$$secret",
        $"md5$${Key32[..32]}",
        $"scrypt:32768:8$salt${Key64}",
        $"scrypt:32768:8:1:1$salt${Key64}",
        $"scrypt:32767:8:1$salt${Key64}", // N not a power of two
        $"scrypt:1:8:1$salt${Key64}",
        $"scrypt:0:8:1$salt${Key64}",
        $"scrypt:32768:0:1$salt${Key64}",
        $"scrypt:32768:8:0$salt${Key64}",
        $"scrypt:64:8:1$salt${Key64}", // over Werkzeug's maxmem: hashlib raises "memory limit exceeded"
        $"scrypt:65536:1:1$salt${Key64}", // OpenSSL: N must be below 2^(16r)
        $"scrypt:1048576:8:1$salt${Key64}", // 1 GiB
        $"scrypt:16384:8:4294967295$salt${Key64}",
        $"scrypt:4294967296:4294967296:4294967296$salt${Key64}",
        $"scrypt:32768:8:1$salt${Key32}", // scrypt's key is 64 bytes
        $"pbkdf2:sha256:50000${new string('s', 2000)}${Key32}",
        "AQAAAAIAAYagAAAAEJk9Yk1jS5d1x6D6QcrO0v6nq0oK3x8q0jQ2M0b7j0u5b1o5fZ0k0l2sLqYc3P0E0A==", // Identity's
    };

    [Theory]
    [MemberData(nameof(NotWerkzeugsOrNotCheckable))]
    public void A_malformed_or_hostile_hash_checks_nothing_and_throws_nothing(string? hash)
    {
        Assert.False(WerkzeugPasswordHash.IsWellFormed(hash));
        Assert.False(WerkzeugPasswordHash.Verify(hash!, "laoxitong-2019"));
        Assert.False(WerkzeugPasswordHash.Verify(hash!, ""));
    }

    /// <summary>A lone surrogate (which Python's str.encode() refuses) in the salt or the password: a Fact, as theory data would be re-encoded.</summary>
    [Fact]
    public void A_salt_or_password_Python_could_not_encode_checks_nothing()
    {
        // Keys made from what a lenient encoder turns them into (U+FFFD): only U+FFFD itself may match them.
        var lenient = Encoding.UTF8;
        var saltKey = Rfc2898DeriveBytes.Pbkdf2(lenient.GetBytes("pw"), lenient.GetBytes("salt\ud800"), 1000, HashAlgorithmName.SHA256, 32);
        Assert.False(WerkzeugPasswordHash.IsWellFormed($"pbkdf2:sha256:1000$salt\ud800${Convert.ToHexStringLower(saltKey)}"));
        Assert.False(WerkzeugPasswordHash.Verify($"pbkdf2:sha256:1000$salt\ud800${Convert.ToHexStringLower(saltKey)}", "pw"));
        Assert.True(WerkzeugPasswordHash.Verify($"pbkdf2:sha256:1000$salt\ufffd${Convert.ToHexStringLower(saltKey)}", "pw"));

        var passwordKey = Rfc2898DeriveBytes.Pbkdf2(lenient.GetBytes("pw\ud800"), lenient.GetBytes("salt"), 1000, HashAlgorithmName.SHA256, 32);
        var hash = $"pbkdf2:sha256:1000$salt${Convert.ToHexStringLower(passwordKey)}";
        Assert.False(WerkzeugPasswordHash.Verify(hash, "pw\ud800"));
        Assert.True(WerkzeugPasswordHash.Verify(hash, "pw\ufffd"));
    }

    [Theory]
    [InlineData("pbkdf2:sha256:50000$3MoLOYoE$x", true)]
    [InlineData("scrypt$$", true)]
    [InlineData("AQAAAAIAAYagAAAAEJk9Yk1jS5d1x6D6QcrO0v6nq0oK3x8q0jQ2M0b7j0u5b1o5fZ0k0l2sLqYc3P0E0A==", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Any_value_with_a_dollar_sign_is_Werkzeugs_and_base64_is_Identitys(string? hash, bool legacy) =>
        Assert.Equal(legacy, WerkzeugPasswordHash.IsLegacy(hash));
}
