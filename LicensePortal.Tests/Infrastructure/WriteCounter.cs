using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>Counts SQL commands that change data (INSERT, UPDATE, DELETE), whichever way EF Core executes them.</summary>
public sealed class WriteCounter : DbCommandInterceptor
{
    private int _writes;

    public int Writes => Volatile.Read(ref _writes);

    public void Reset() => Interlocked.Exchange(ref _writes, 0);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    private void Count(DbCommand command)
    {
        var text = command.CommandText.TrimStart();
        if (text.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase)
            || text.Contains("\nINSERT", StringComparison.OrdinalIgnoreCase)
            || text.Contains("\nUPDATE", StringComparison.OrdinalIgnoreCase)
            || text.Contains("\nDELETE", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _writes);
        }
    }
}
