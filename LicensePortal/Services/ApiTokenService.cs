using System.Security.Cryptography;
using LicensePortal.Data;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// Personal API tokens ("lpat_…"): create, list, revoke; and the validation of every bearer token, personal or
/// per-instance activation token ("lpact_…"). The token format is <see cref="TokenFormat"/>'s. The password-for-token
/// exchange (POST /api/v1/tokens) is the token endpoint's, Endpoints/Api/TokenApi.cs; it ends in <see cref="CreatePersonalAsync"/>.
/// </summary>
public sealed class ApiTokenService(
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider time,
    ILogger<ApiTokenService> logger)
{
    public const string PersonalPrefix = TokenFormat.PersonalPrefix;
    public const string ActivationPrefix = TokenFormat.ActivationPrefix;
    public const int MaxLifetimeDays = 365;
    public const int DefaultPersonalDays = 90;
    public const int DefaultActivationDays = 7;
    public const int MaxActivePersonalTokens = 50;

    /// <summary>How often the last-used time is written at most, so validating is not a write per request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>A user makes a personal token for themselves: signed in, or having just proved their password to the token endpoint.</summary>
    public async Task<ServiceResult<CreatedToken>> CreatePersonalAsync(PortalActor actor, string? name, int? expiresInDays, CancellationToken cancellationToken = default)
    {
        name = name?.Trim() ?? "";
        var errors = ValidateName(name).Concat(ValidateLifetime(expiresInDays)).ToList();
        if (errors.Count > 0)
        {
            return ServiceResult<CreatedToken>.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = Now;
        var active = await db.ApiTokens.CountAsync(t => t.OwnerId == actor.UserId && t.RevokedAt == null && t.ExpiresAt > now, cancellationToken);
        if (active >= MaxActivePersonalTokens)
        {
            return ServiceResult<CreatedToken>.Invalid("", "Token.TooMany", MaxActivePersonalTokens);
        }
        var (tokenId, secret, hash) = TokenFormat.NewSecret();
        var token = new ApiToken
        {
            TokenId = tokenId,
            OwnerId = actor.UserId,
            Name = name,
            SecretHash = hash,
            CreatedAt = now,
            ExpiresAt = now.AddDays(expiresInDays ?? DefaultPersonalDays),
        };
        db.ApiTokens.Add(token);
        AuditLog.Add(db, actor, now, "token.create", "token", tokenId, null, new { TokenId = tokenId, Name = name, Owner = actor.UserName, token.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Actor} created API token {TokenId} ({Name})", actor.UserName, tokenId, name);
        return ServiceResult<CreatedToken>.Ok(new CreatedToken(ToInfo(token, actor.UserName), PersonalPrefix + tokenId + "_" + secret));
    }

    /// <summary>The actor's own personal tokens, newest first, revoked and expired ones included.</summary>
    public async Task<IReadOnlyList<TokenInfo>> ListPersonalAsync(PortalActor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.OwnerId == actor.UserId)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Take(200).ToListAsync(cancellationToken);
        return tokens.Select(t => ToInfo(t, actor.UserName)).ToList();
    }

    /// <summary>The owner revokes their token (administrators may revoke anyone's). Someone else's token is "not found".</summary>
    public async Task<ServiceResult<TokenInfo>> RevokePersonalAsync(PortalActor actor, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.Include(t => t.Owner).FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (token is null || (token.OwnerId != actor.UserId && !actor.IsAdministrator))
        {
            return ServiceResult<TokenInfo>.NotFound();
        }
        if (token.RevokedAt is null)
        {
            token.RevokedAt = Now;
            AuditLog.Add(db, actor, Now, "token.revoke", "token", token.TokenId, new { token.TokenId, Revoked = false }, new { token.TokenId, Revoked = true });
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Actor} revoked API token {TokenId}", actor.UserName, token.TokenId);
        return ServiceResult<TokenInfo>.Ok(ToInfo(token, token.Owner?.UserName ?? ""));
    }

    /// <summary>
    /// Who a bearer token stands for, or null when it is malformed, unknown, wrong, revoked or expired, or its user is
    /// deactivated or deleted (a locked-out user's tokens keep working). A personal token carries its owner's current role, read now.
    /// </summary>
    public async Task<TokenIdentity?> ValidateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (!TokenFormat.TryParse(token, out var activation, out var tokenId, out var secret))
        {
            return null;
        }
        var hash = TokenFormat.Hash(secret);
        var now = Now;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (activation)
        {
            var row = await db.ActivationTokens.AsNoTracking().Where(t => t.TokenId == tokenId)
                .Select(t => new { t.Id, t.SecretHash, t.ExpiresAt, t.RevokedAt, t.LastUsedAt, Instance = t.Instance!.NormalizedName, t.Instance.OwnerId })
                .FirstOrDefaultAsync(cancellationToken);
            if (row is null || !CryptographicOperations.FixedTimeEquals(row.SecretHash, hash) || row.RevokedAt is not null || row.ExpiresAt <= now)
            {
                return null;
            }
            var owner = await ActiveUserAsync(db, row.OwnerId, cancellationToken);
            if (owner is null)
            {
                return null;
            }
            if (row.LastUsedAt is null || row.LastUsedAt < now - LastUsedResolution)
            {
                await db.ActivationTokens.Where(t => t.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
            }
            return new TokenIdentity(row.OwnerId, $"{owner.Value.UserName} ({ActivationPrefix}{tokenId})", PortalRole.User, tokenId, row.Instance);
        }

        var personal = await db.ApiTokens.AsNoTracking().Where(t => t.TokenId == tokenId)
            .Select(t => new { t.Id, t.SecretHash, t.ExpiresAt, t.RevokedAt, t.LastUsedAt, t.OwnerId })
            .FirstOrDefaultAsync(cancellationToken);
        if (personal is null || !CryptographicOperations.FixedTimeEquals(personal.SecretHash, hash) || personal.RevokedAt is not null || personal.ExpiresAt <= now)
        {
            return null;
        }
        var user = await ActiveUserAsync(db, personal.OwnerId, cancellationToken);
        if (user is null)
        {
            return null;
        }
        if (personal.LastUsedAt is null || personal.LastUsedAt < now - LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == personal.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }
        return new TokenIdentity(personal.OwnerId, user.Value.UserName, user.Value.Role, tokenId, null);
    }

    /// <summary>The non-secret id of a well-formed token ("lpat_…" or "lpact_…"), for rate-limit partitions and logs.</summary>
    public static string? TokenIdOf(string? token) => TokenFormat.TokenIdOf(token);

    private static async Task<(string UserName, string Role)?> ActiveUserAsync(AppDbContext db, string userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new
            {
                u.UserName,
                u.IsActive,
                // PortalRole.Effective in SQL: role names sort in privilege order.
                Role = db.UserRoles.Where(ur => ur.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.Name).OrderBy(n => n).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        // Lockout is not checked: it stops password sign-in, and five wrong passwords from anyone who knows the user name
        // must not take the account's scripts and host agents offline. Revoking tokens stays an explicit act.
        if (user is null || !user.IsActive)
        {
            return null;
        }
        return (user.UserName ?? "", PortalRole.Effective([user.Role]));
    }

    /// <summary>A token's name: required, at most <see cref="ApiToken.NameMaxLength"/> characters, no control characters.</summary>
    internal static IEnumerable<FieldError> ValidateName(string name)
    {
        if (StorableText.Check("Name", name) is { } unstorable)
        {
            yield return unstorable;
        }
        else if (name.Length == 0)
        {
            yield return new FieldError("Name", "Error.Required");
        }
        else if (name.Length > ApiToken.NameMaxLength)
        {
            yield return new FieldError("Name", "Error.TooLong", ApiToken.NameMaxLength);
        }
        else if (name.Any(char.IsControl))
        {
            yield return new FieldError("Name", "Error.InvalidValue");
        }
    }

    /// <summary>A lifetime in days, when one is asked for: 1 to <see cref="MaxLifetimeDays"/>.</summary>
    internal static IEnumerable<FieldError> ValidateLifetime(int? days)
    {
        if (days is { } d && (d < 1 || d > MaxLifetimeDays))
        {
            yield return new FieldError("ExpiresInDays", "Token.ExpiryRange", MaxLifetimeDays);
        }
    }

    private static TokenInfo ToInfo(ApiToken t, string owner) =>
        new(t.Id, t.Name, PersonalPrefix + t.TokenId, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt, owner);
}
