using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace LicensePortal.Data;

/// <summary>
/// Entity Framework Core's execution strategy on PostgreSQL: an operation whose connection was lost (<see
/// cref="DatabaseFailures.IsConnectionLost"/>) runs once more on a new connection. After a server restart every pooled
/// connection is dead but is found so only when used, so without this the first requests after the restart fail.
/// Retried only where that is safe: a query, or a save whose commit had not begun. Inside a transaction the code opened
/// itself nothing is retried (its earlier statements went with the connection), and that code need not run under the
/// strategy, as it would with EF's own retrying strategy.
/// </summary>
public sealed class ConnectionLossRetry(ExecutionStrategyDependencies dependencies)
    : ExecutionStrategy(dependencies, maxRetryCount: 1, maxRetryDelay: TimeSpan.Zero)
{
    private bool _inCallersTransaction;

    /// <summary>
    /// The operation streams its query's rows out as it reads them (the audit export). EF Core reads a query's whole
    /// result into memory first whenever the strategy running it may retry, so that a connection lost mid-read can be
    /// retried; for 1,000,000 audit rows that was 543 MiB and 5 s before the first byte. A streaming operation is still
    /// retried when the connection is lost before its first row; after that it must fail, as the rows are gone.
    /// </summary>
    public bool StreamsRows { get; init; }

    public override bool RetriesOnFailure => !StreamsRows && base.RetriesOnFailure;

    protected override void OnFirstExecution()
    {
        var context = Dependencies.CurrentContext.Context;
        CommitTracker.Forget(context);
        _inCallersTransaction = context.Database.CurrentTransaction is not null;
        if (_inCallersTransaction)
        {
            ExceptionsEncountered.Clear(); // what the base does, without its refusal of a caller's transaction
            return;
        }
        base.OnFirstExecution();
    }

    protected override bool ShouldRetryOn(Exception exception) =>
        !_inCallersTransaction && !CommitTracker.WasCommitting(Dependencies.CurrentContext.Context) && DatabaseFailures.IsConnectionLost(exception);

    /// <summary>The pool's other connections died with this one: the retry must not take another of them.</summary>
    protected override void OnRetry() => DatabaseFailures.ForgetPooledConnections();
}

public static class StreamingQueries
{
    /// <summary>
    /// The execution strategy for an operation whose query rows are streamed, not buffered (<see
    /// cref="ConnectionLossRetry.StreamsRows"/>); the query must run inside the strategy's ExecuteAsync.
    /// </summary>
    public static IExecutionStrategy CreateStreamingExecutionStrategy(this DatabaseFacade database) =>
        database.CreateExecutionStrategy() switch
        {
            ConnectionLossRetry => new ConnectionLossRetry(database.GetService<ExecutionStrategyDependencies>()) { StreamsRows = true },
            var other => other, // SQLite's strategy never retries, so never buffers
        };
}

/// <summary>Remembers that a context began committing, so a failure from then on (the outcome unknown) is not retried.</summary>
public sealed class CommitTracker : DbTransactionInterceptor
{
    private static readonly ConditionalWeakTable<DbContext, object> Committing = new();
    private static readonly object Marker = new();

    public static bool WasCommitting(DbContext context) => Committing.TryGetValue(context, out _);

    public static void Forget(DbContext context) => Committing.Remove(context);

    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Mark(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result,
        CancellationToken cancellationToken = default)
    {
        Mark(eventData);
        return ValueTask.FromResult(result);
    }

    private static void Mark(TransactionEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            Committing.AddOrUpdate(context, Marker);
        }
    }
}
