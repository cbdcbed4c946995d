using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>Whether the database answers now: what an open page showing the outage notice waits for before it reloads.</summary>
public sealed class DatabaseAvailability(IDbContextFactory<AppDbContext> dbFactory)
{
    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            // A statement, not just an open: an open can hand out a pooled connection without asking the server.
            await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
            return true;
        }
        catch (Exception ex) when (DatabaseFailures.IsTransient(ex))
        {
            return false;
        }
    }
}
