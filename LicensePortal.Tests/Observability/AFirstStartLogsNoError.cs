using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Observability;

/// <summary>
/// The portal's first start on an empty database (the real process, as an operator starts it) creates its schema and
/// logs no error: an error line in a healthy start sends the operator after a fault there is not.
/// </summary>
public sealed class AFirstStartLogsNoError
{
    [SkippableTheory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_first_start_on_an_empty_database_logs_no_error(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        var settings = new Dictionary<string, string> { ["ConnectionStrings__LicensePortal"] = database.ConnectionString };
        if (provider == DatabaseProvider.Postgres)
        {
            settings["Database__Provider"] = "Postgres";
        }
        await using var portal = await PortalProcess.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var ready = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        Assert.True(ready.IsSuccessStatusCode, portal.Output);
        Assert.DoesNotContain("fail:", portal.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", portal.Output, StringComparison.Ordinal);
    }
}
