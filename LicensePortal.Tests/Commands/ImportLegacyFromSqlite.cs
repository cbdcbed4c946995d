using LicensePortal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LicensePortal.Tests.Commands;

/// <summary>
/// import-legacy, the real command as a process, from a first-generation SQLite file into a portal database: a dry run
/// writes nothing, the import carries every field over, a second run changes nothing, a changed old row updates its
/// instance and an owner conflict is reported and skipped whole.
/// </summary>
public sealed class ImportLegacyFromSqlite : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lp-import-");

    private string OldDb => Path.Combine(_work.FullName, "old.db");
    private string PortalDb => Path.Combine(_work.FullName, "portal.db");
    private string Keys => Path.Combine(_work.FullName, "keys");

    [Fact]
    public async Task ADryRunWritesNothingAnImportCarriesTheOldDataOverAndARerunChangesNothing()
    {
        await using (var old = new SqliteConnection($"Data Source={OldDb};Pooling=False"))
        {
            await old.OpenAsync();
            await LegacyDatabase.BuildAsync(old);
        }
        string[] source = ["--provider", "sqlite", "--source", $"Data Source={OldDb}", "--source-timezone", "Asia/Shanghai"];
        var passwords = Path.Combine(_work.FullName, "passwords.txt");

        // A dry run (which also creates the portal's database on first use) reports the plan and writes none of it.
        var dry = await LegacyDatabase.ImportAsync(PortalDb, Keys, "en_US.UTF-8", [.. source, "--dry-run", "--passwords-file", passwords]);
        Assert.True(dry.Exit == 0, dry.Output);
        Assert.Contains("Dry run: nothing was written.", dry.Output);
        Assert.Contains("Accounts: 3 imported, 0 updated, 0 unchanged, 4 skipped.", dry.Output);
        Assert.Equal("1", await ImportedPortal.ScalarAsync(PortalDb, "SELECT COUNT(*) FROM AspNetUsers"));
        Assert.Equal("0", await ImportedPortal.ScalarAsync(PortalDb, "SELECT COUNT(*) FROM Instances"));
        Assert.Equal("0", await ImportedPortal.ScalarAsync(PortalDb, "SELECT COUNT(*) FROM AuditEntries WHERE Action LIKE '%.import'"));
        Assert.False(File.Exists(passwords));
        var beforeImport = await ImportedPortal.SnapshotAsync(PortalDb);
        var dryAgain = await LegacyDatabase.ImportAsync(PortalDb, Keys, "zh_CN.UTF-8", [.. source, "--dry-run"]);
        Assert.True(dryAgain.Exit == 0, dryAgain.Output);
        Assert.Contains("试运行：未写入任何内容。", dryAgain.Output);
        Assert.Contains("已跳过账户 dup1：电子邮件 shared@example.com 被多个旧账户使用。", dryAgain.Output);
        Assert.Equal(beforeImport, await ImportedPortal.SnapshotAsync(PortalDb));

        var import = await LegacyDatabase.ImportAsync(PortalDb, Keys, "en_US.UTF-8", [.. source, "--passwords-file", passwords]);
        Assert.True(import.Exit == 0, import.Output);
        await ImportedPortal.AssertFirstImportAsync(PortalDb, import.Output, passwords);

        // The same old data again: nothing changes, nothing is duplicated.
        var imported = await ImportedPortal.SnapshotAsync(PortalDb);
        var again = await LegacyDatabase.ImportAsync(PortalDb, Keys, "en_US.UTF-8", [.. source, "--passwords-file", passwords + ".2"]);
        Assert.True(again.Exit == 0, again.Output);
        Assert.Contains("Accounts: 0 imported, 0 updated, 3 unchanged, 4 skipped.", again.Output);
        Assert.Contains("Instances: 0 imported, 0 updated, 4 unchanged, 2 skipped.", again.Output);
        Assert.Equal(imported, await ImportedPortal.SnapshotAsync(PortalDb));
        Assert.False(File.Exists(passwords + ".2"));

        // The old system changed meanwhile: a quota and the owner of another instance (now a conflict with the portal's owner).
        await using (var old = new SqliteConnection($"Data Source={OldDb};Pooling=False"))
        {
            await old.OpenAsync();
            await LegacyDatabase.ExecuteAsync(old, "UPDATE instance SET max_vm = 25 WHERE instancename = 'cust-01'");
            await LegacyDatabase.ExecuteAsync(old, "UPDATE instance SET user_id = 1, max_vm = 9 WHERE instancename = 'cust-02'");
        }
        var changed = await LegacyDatabase.ImportAsync(PortalDb, Keys, "en_US.UTF-8", [.. source]);
        Assert.True(changed.Exit == 0, changed.Output);
        Assert.Contains("Instances: 0 imported, 1 updated, 2 unchanged, 3 skipped.", changed.Output);
        Assert.Contains("Skipped instance cust-02: the portal has this instance with another owner (cust).", changed.Output);
        Assert.Equal("25", await ImportedPortal.ScalarAsync(PortalDb, "SELECT MaxDesktops FROM Instances WHERE Name = 'cust-01'"));
        Assert.Equal("cust|1", await ImportedPortal.ScalarAsync(PortalDb,
            "SELECT u.UserName || '|' || MaxDesktops FROM Instances i JOIN AspNetUsers u ON u.Id = i.OwnerId WHERE i.Name = 'cust-02'"));
        Assert.Equal("2", await ImportedPortal.ScalarAsync(PortalDb, "SELECT COUNT(*) FROM AuditEntries WHERE Action = 'instance.import' AND TargetKey = 'cust-01'"));
        ImportedPortal.AssertNoPlainPassword(ImportedPortal.FileText(PortalDb) + dry.Output + dryAgain.Output + again.Output + changed.Output);
    }

    [Fact]
    public async Task BadArgumentsAreRefusedWithTheUsageAndChangeNothing()
    {
        var result = await LegacyDatabase.ImportAsync(PortalDb, Keys, "en_US.UTF-8", "--provider", "oracle", "--source", "x");
        Assert.Equal(2, result.Exit);
        Assert.Contains("Usage: import-legacy --provider sqlite|mysql", result.Output);
        var zone = await LegacyDatabase.ImportAsync(PortalDb, Keys, "zh_CN.UTF-8", "--provider", "sqlite", "--source", $"Data Source={OldDb}", "--source-timezone", "Mars/Olympus");
        Assert.Equal(2, zone.Exit);
        Assert.Contains("未知时区 Mars/Olympus", zone.Output);
        Assert.Equal("0", await ImportedPortal.ScalarAsync(PortalDb, "SELECT COUNT(*) FROM Instances"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Delete(recursive: true);
    }
}
