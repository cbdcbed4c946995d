using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LicensePortal.Commands;

/// <summary>
/// The backup archive: a gzip-compressed tar (PAX) of regular files only, <c>manifest.json</c> first, then
/// <c>database/licenseportal.db</c> (SQLite only) and <c>keys/NAME</c> for each file of the key directory. The
/// manifest lists every other entry with its size and SHA-256; an archive whose entries and manifest disagree, or that
/// holds anything but those plain names (a link, a directory, <c>..</c>, an absolute path), is refused whole.
/// </summary>
internal static class BackupArchive
{
    public const string ManifestEntry = "manifest.json";
    public const string DatabaseFolder = "database";
    public const string DatabaseEntry = DatabaseFolder + "/licenseportal.db";
    public const string KeysFolder = "keys";
    public const int FormatVersion = 1;

    /// <summary>Largest manifest or key file accepted (both are a few KiB): a hostile archive cannot fill memory with one.</summary>
    public const long MaxSmallEntryBytes = 1024 * 1024;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Why an entry name is refused, or null for one of the names a backup writes.</summary>
    public static string? RefusedName(string name)
    {
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            return "an empty name or one with a NUL or backslash";
        }
        if (name.StartsWith('/') || Path.IsPathRooted(name))
        {
            return "an absolute path";
        }
        var parts = name.Split('/');
        if (parts.Any(p => p is ".." or "." or ""))
        {
            return "a path with '..', '.' or an empty part";
        }
        var known = name == ManifestEntry || (parts.Length == 2 && parts[0] is DatabaseFolder or KeysFolder && (parts[0] != DatabaseFolder || name == DatabaseEntry));
        return known ? null : "not a name a portal backup writes (manifest.json, database/licenseportal.db, keys/FILE)";
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// Reads the whole archive and checks it against its manifest; <paramref name="extract"/>, when given, receives each
    /// file entry's content (after its name and type were accepted, before its hash is known: the caller writes only
    /// into a staging folder it discards on failure). Throws <see cref="BackupRefusedException"/> for anything wrong.
    /// </summary>
    public static BackupManifest Read(string path, Action<string, Stream, UnixFileMode>? extract = null)
    {
        BackupManifest? manifest = null;
        var seen = new Dictionary<string, (long Size, string Sha256)>(StringComparer.Ordinal);
        try
        {
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    throw new BackupRefusedException($"the archive's entry '{entry.Name}' is a {entry.EntryType}, not a regular file (a backup holds no links or folders).");
                }
                if (RefusedName(entry.Name) is { } why)
                {
                    throw new BackupRefusedException($"the archive's entry '{entry.Name}' is refused: {why}.");
                }
                if (seen.ContainsKey(entry.Name) || (entry.Name == ManifestEntry && manifest is not null))
                {
                    throw new BackupRefusedException($"the archive holds '{entry.Name}' twice.");
                }
                if (entry.Name != DatabaseEntry && entry.Length > MaxSmallEntryBytes)
                {
                    throw new BackupRefusedException($"the archive's entry '{entry.Name}' is {entry.Length:N0} bytes, more than a key file or manifest can be.");
                }
                if (entry.Name == ManifestEntry)
                {
                    if (seen.Count > 0)
                    {
                        throw new BackupRefusedException("the archive's manifest.json is not its first entry.");
                    }
                    manifest = ParseManifest(entry.DataStream);
                    continue;
                }
                if (manifest is null)
                {
                    throw new BackupRefusedException("the archive does not start with manifest.json: it is not a portal backup.");
                }
                using var hashing = new HashingStream(entry.DataStream ?? Stream.Null);
                if (extract is null)
                {
                    hashing.CopyTo(Stream.Null);
                }
                else
                {
                    extract(entry.Name, hashing, entry.Mode);
                    hashing.CopyTo(Stream.Null); // whatever the writer left unread still counts
                }
                seen[entry.Name] = (hashing.Length, hashing.Hash());
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or JsonException or ArgumentException or OverflowException)
        {
            throw new BackupRefusedException($"{path} is damaged or not a portal backup (tar.gz): {KeysCommand.OneLine(ex.Message)}");
        }
        if (manifest is null)
        {
            throw new BackupRefusedException($"{path} holds no manifest.json: it is not a portal backup.");
        }
        foreach (var listed in manifest.Files)
        {
            if (!seen.Remove(listed.Path, out var actual))
            {
                throw new BackupRefusedException($"the manifest lists '{listed.Path}' but the archive does not hold it.");
            }
            if (actual.Size != listed.Size || !string.Equals(actual.Sha256, listed.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new BackupRefusedException($"'{listed.Path}' does not match the manifest (SHA-256 {actual.Sha256}, {actual.Size} bytes; the manifest says {listed.Sha256}, {listed.Size} bytes): the archive was changed or damaged.");
            }
        }
        if (seen.Count > 0)
        {
            throw new BackupRefusedException($"the archive holds '{seen.Keys.First()}', which its manifest does not list.");
        }
        return manifest;
    }

    private static BackupManifest ParseManifest(Stream? data)
    {
        var manifest = data is null ? null : JsonSerializer.Deserialize<BackupManifest>(data, Json);
        if (manifest is null || manifest.Format != FormatVersion || manifest.Files is null || manifest.Files.Any(f => f?.Path is null || f.Sha256 is null))
        {
            throw new BackupRefusedException($"the archive's manifest.json is not a format {FormatVersion} portal backup manifest.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var listed in manifest.Files)
        {
            var why = listed.Path == ManifestEntry ? "the manifest itself" : RefusedName(listed.Path);
            if (why is not null)
            {
                throw new BackupRefusedException($"the manifest lists '{listed.Path}', which is refused: {why}.");
            }
            if (!names.Add(listed.Path))
            {
                throw new BackupRefusedException($"the manifest lists '{listed.Path}' twice.");
            }
        }
        return manifest;
    }

    /// <summary>Counts and hashes what is read through it.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override long Length => _length;

        private long _length;

        public string Hash() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            _hash.AppendData(buffer[..read]);
            _length += read;
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>manifest.json: what the archive holds and where it came from.</summary>
internal sealed record BackupManifest(
    int Format,
    string PortalVersion,
    DateTimeOffset CreatedAt,
    Data.DatabaseProvider Provider,
    string? LastMigration,
    IReadOnlyList<BackupFile> Files);

/// <summary>One file of the archive: its entry name, size in bytes and SHA-256 (lower-case hex).</summary>
internal sealed record BackupFile(string Path, long Size, string Sha256);

/// <summary>A backup or restore refused: the message says why; nothing was written to the targets.</summary>
internal sealed class BackupRefusedException(string message) : Exception(message);
