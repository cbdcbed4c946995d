namespace LicensePortal.Accounts;

/// <summary>Secrets the portal writes to disk itself (the first administrator's password, the cookie key certificate).</summary>
public static class PrivateFile
{
    /// <summary>A new file only its owner may read (0600 on Unix), created with that mode so it is never readable by others.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new FileStream(path, options);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }
}
