using LicensePortal.Tests.Infrastructure;
using MySqlConnector;

namespace LicensePortal.Tests.Commands;

/// <summary>One throwaway MariaDB server for the class (starting one takes seconds).</summary>
public sealed class MariaDbFixture : IAsyncLifetime
{
    public MariaDbServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await MariaDbServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>import-legacy, the real command as a process, from the first-generation system's MariaDB (MySqlConnector).</summary>
public sealed class ImportLegacyFromMariaDb(MariaDbFixture mariaDb) : IClassFixture<MariaDbFixture>, IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lp-import-mysql-");

    [Fact]
    public async Task AnImportFromMariaDbCarriesTheOldDataOverAndARerunChangesNothing()
    {
        await mariaDb.Server.ExecuteAsync("CREATE DATABASE license CHARACTER SET utf8mb4");
        var source = mariaDb.Server.ConnectionString("license");
        await using (var old = new MySqlConnection(source))
        {
            await old.OpenAsync();
            await LegacyDatabase.BuildAsync(old);
        }
        var portalDb = Path.Combine(_work.FullName, "portal.db");
        var keys = Path.Combine(_work.FullName, "keys");
        var passwords = Path.Combine(_work.FullName, "passwords.txt");
        string[] args = ["--provider", "mysql", "--source", source, "--source-timezone", "Asia/Shanghai", "--passwords-file", passwords];

        var dry = await LegacyDatabase.ImportAsync(portalDb, keys, "en_US.UTF-8", [.. args, "--dry-run"]);
        Assert.True(dry.Exit == 0, dry.Output);
        Assert.Contains("Instances: 4 imported, 0 updated, 0 unchanged, 2 skipped.", dry.Output);
        Assert.Equal("0", await ImportedPortal.ScalarAsync(portalDb, "SELECT COUNT(*) FROM Instances"));
        Assert.Equal("1", await ImportedPortal.ScalarAsync(portalDb, "SELECT COUNT(*) FROM AspNetUsers"));

        var import = await LegacyDatabase.ImportAsync(portalDb, keys, "en_US.UTF-8", args);
        Assert.True(import.Exit == 0, import.Output);
        await ImportedPortal.AssertFirstImportAsync(portalDb, import.Output, passwords);

        var imported = await ImportedPortal.SnapshotAsync(portalDb);
        var again = await LegacyDatabase.ImportAsync(portalDb, keys, "en_US.UTF-8", ["--provider", "mysql", "--source", source, "--source-timezone", "Asia/Shanghai"]);
        Assert.True(again.Exit == 0, again.Output);
        Assert.Contains("Accounts: 0 imported, 0 updated, 3 unchanged, 4 skipped.", again.Output);
        Assert.Equal(imported, await ImportedPortal.SnapshotAsync(portalDb));
        ImportedPortal.AssertNoPlainPassword(dry.Output + again.Output);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _work.Delete(recursive: true);
    }
}
