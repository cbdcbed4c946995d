using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// Activation tokens ("lpact_…"): each lets one host act on one instance only (upload its host info, fetch its license).
/// Made by an administrator or the instance's owner; listed for whoever may see the instance. Validation of every token
/// kind is <see cref="ApiTokenService.ValidateAsync"/>'s; the format is <see cref="TokenFormat"/>'s.
/// </summary>
public sealed class ActivationTokenService(
    IDbContextFactory<AppDbContext> dbFactory,
    InstanceService instances,
    TimeProvider time,
    ILogger<ActivationTokenService> logger)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>An administrator or the instance's owner makes an activation token for it. Support staff may not.</summary>
    public async Task<ServiceResult<CreatedToken>> CreateActivationAsync(PortalActor actor, string instanceName, int? expiresInDays, CancellationToken cancellationToken = default)
    {
        var instance = await instances.FindByNameAsync(actor, instanceName, cancellationToken);
        if (instance is null)
        {
            return ServiceResult<CreatedToken>.NotFound();
        }
        if (!CanManageActivation(actor, instance))
        {
            return ServiceResult<CreatedToken>.Forbidden();
        }
        var errors = ApiTokenService.ValidateLifetime(expiresInDays).ToList();
        if (errors.Count > 0)
        {
            return ServiceResult<CreatedToken>.Invalid(errors);
        }
        var (tokenId, secret, hash) = TokenFormat.NewSecret();
        var now = Now;
        var token = new ActivationToken
        {
            TokenId = tokenId,
            InstanceId = instance.Id,
            SecretHash = hash,
            CreatedByUserName = actor.UserName,
            CreatedAt = now,
            ExpiresAt = now.AddDays(expiresInDays ?? ApiTokenService.DefaultActivationDays),
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.ActivationTokens.Add(token);
        AuditLog.Add(db, actor, now, "activationtoken.create", "token", tokenId, null, new { TokenId = tokenId, Instance = instance.Name, token.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Actor} created activation token {TokenId} for {Instance}", actor.UserName, tokenId, instance.Name);
        return ServiceResult<CreatedToken>.Ok(new CreatedToken(ToInfo(token, instance.Name), TokenFormat.ActivationPrefix + tokenId + "_" + secret));
    }

    /// <summary>An instance's activation tokens, for whoever may see the instance.</summary>
    public async Task<ServiceResult<IReadOnlyList<TokenInfo>>> ListActivationAsync(PortalActor actor, string instanceName, CancellationToken cancellationToken = default)
    {
        var instance = await instances.FindByNameAsync(actor, instanceName, cancellationToken);
        if (instance is null)
        {
            return ServiceResult<IReadOnlyList<TokenInfo>>.NotFound();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.ActivationTokens.AsNoTracking().Where(t => t.InstanceId == instance.Id)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Take(200).ToListAsync(cancellationToken);
        return ServiceResult<IReadOnlyList<TokenInfo>>.Ok(tokens.Select(t => ToInfo(t, instance.Name)).ToList());
    }

    public async Task<ServiceResult<TokenInfo>> RevokeActivationAsync(PortalActor actor, string instanceName, int id, CancellationToken cancellationToken = default)
    {
        var instance = await instances.FindByNameAsync(actor, instanceName, cancellationToken);
        if (instance is null)
        {
            return ServiceResult<TokenInfo>.NotFound();
        }
        if (!CanManageActivation(actor, instance))
        {
            return ServiceResult<TokenInfo>.Forbidden();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.ActivationTokens.FirstOrDefaultAsync(t => t.Id == id && t.InstanceId == instance.Id, cancellationToken);
        if (token is null)
        {
            return ServiceResult<TokenInfo>.NotFound();
        }
        if (token.RevokedAt is null)
        {
            token.RevokedAt = Now;
            AuditLog.Add(db, actor, Now, "activationtoken.revoke", "token", token.TokenId, new { token.TokenId, Instance = instance.Name, Revoked = false },
                new { token.TokenId, Instance = instance.Name, Revoked = true });
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Actor} revoked activation token {TokenId} of {Instance}", actor.UserName, token.TokenId, instance.Name);
        return ServiceResult<TokenInfo>.Ok(ToInfo(token, instance.Name));
    }

    private static bool CanManageActivation(PortalActor actor, InstanceRow instance) => InstanceAccess.MayChange(actor, instance.OwnerId);

    private static TokenInfo ToInfo(ActivationToken t, string instanceName) =>
        new(t.Id, instanceName, TokenFormat.ActivationPrefix + t.TokenId, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt, t.CreatedByUserName);
}
