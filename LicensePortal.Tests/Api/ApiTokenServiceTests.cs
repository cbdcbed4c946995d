using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Tests.Api;

/// <summary>ApiTokenService on both databases: hashes only, lookup by id, revocation, expiry, roles read now, activation scope.</summary>
public sealed class ApiTokenServiceTests
{
    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_personal_token_validates_as_its_owner_with_the_current_role_until_revoked(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var service = portal.Get<ApiTokenService>();
        var sam = await portal.CreateUserAsync("sam", PortalRole.Support);

        var created = await service.CreatePersonalAsync(sam, " ci ", 30);
        Assert.True(created.Succeeded);
        var secret = created.Value!.Secret;
        Assert.Matches("^lpat_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", secret);
        Assert.Equal("ci", created.Value.Token.Name);
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime.AddDays(30), created.Value.Token.ExpiresAt);

        var identity = await service.ValidateAsync(secret);
        Assert.Equal(new TokenIdentity(sam.UserId, "sam", PortalRole.Support, secret[5..21], null), identity);
        Assert.NotNull((await service.ListPersonalAsync(sam)).Single().LastUsedAt);

        var admin = await portal.AdminAsync();
        var users = portal.Get<UserAdminService>();
        var samRow = (await users.GetAsync(admin, sam.UserId))!;
        Assert.True((await users.UpdateAsync(admin, sam.UserId, UserAdminService.ToInput(samRow) with { Role = PortalRole.User }, samRow.Version)).Succeeded);
        Assert.Equal(PortalRole.User, (await service.ValidateAsync(secret))!.Role);

        Assert.True((await service.RevokePersonalAsync(sam, created.Value.Token.Id)).Succeeded);
        Assert.Null(await service.ValidateAsync(secret));
    }

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Only_the_hash_is_stored_and_a_wrong_secret_or_an_expired_token_fails(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var service = portal.Get<ApiTokenService>();
        var carol = await portal.CreateUserAsync("carol");
        var secret = (await service.CreatePersonalAsync(carol, "laptop", 1)).Value!.Secret;

        await using (var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var row = await db.ApiTokens.SingleAsync();
            Assert.Equal(secret[5..21], row.TokenId);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret[22..])), row.SecretHash);
        }
        Assert.Null(await service.ValidateAsync(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(await service.ValidateAsync("lpact_" + secret[5..]));
        Assert.NotNull(await service.ValidateAsync(secret));

        portal.Time.Advance(TimeSpan.FromDays(1));
        Assert.Null(await service.ValidateAsync(secret));
    }

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Activation_tokens_are_for_owners_and_administrators_and_name_their_instance(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var service = portal.Get<ApiTokenService>();
        var activation = portal.Get<ActivationTokenService>();
        var carol = await portal.CreateUserAsync("carol");
        var dave = await portal.CreateUserAsync("dave");
        var sam = await portal.CreateUserAsync("sam", PortalRole.Support);
        await portal.CreateInstanceAsync("Edge-01", carol);

        Assert.Equal(Failure.NotFound, (await activation.CreateActivationAsync(dave, "Edge-01", 1)).Failure);
        Assert.Equal(Failure.Forbidden, (await activation.CreateActivationAsync(sam, "Edge-01", 1)).Failure);
        Assert.Equal("Token.ExpiryRange", (await activation.CreateActivationAsync(carol, "Edge-01", 0)).Errors[0].Code);
        var created = await activation.CreateActivationAsync(carol, "edge-01", null);
        Assert.True(created.Succeeded);
        Assert.Equal(portal.Time.GetUtcNow().UtcDateTime.AddDays(ApiTokenService.DefaultActivationDays), created.Value!.Token.ExpiresAt);

        var identity = await service.ValidateAsync(created.Value.Secret);
        Assert.Equal(carol.UserId, identity!.UserId);
        Assert.Equal(PortalRole.User, identity.Role);
        Assert.Equal("EDGE-01", identity.ActivationInstance);
        Assert.Single((await activation.ListActivationAsync(sam, "Edge-01")).Value!);

        Assert.Equal(Failure.Forbidden, (await activation.RevokeActivationAsync(sam, "Edge-01", created.Value.Token.Id)).Failure);
        Assert.True((await activation.RevokeActivationAsync(await portal.AdminAsync(), "Edge-01", created.Value.Token.Id)).Succeeded);
        Assert.Null(await service.ValidateAsync(created.Value.Secret));
    }

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Tokens_go_with_their_user_and_instance(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var service = portal.Get<ApiTokenService>();
        var admin = await portal.AdminAsync();
        var carol = await portal.CreateUserAsync("carol");
        var instance = await portal.CreateInstanceAsync("edge-01", carol);
        var personal = (await service.CreatePersonalAsync(carol, "x", null)).Value!.Secret;
        var activation = (await portal.Get<ActivationTokenService>().CreateActivationAsync(admin, "edge-01", null)).Value!.Secret;

        Assert.Single(await portal.Get<InstanceService>().DeleteAsync(admin, [instance.Id]), r => r.Succeeded);
        Assert.Null(await service.ValidateAsync(activation));
        Assert.Single(await portal.Get<UserAdminService>().DeleteAsync(admin, [carol.UserId]), r => r.Succeeded);
        Assert.Null(await service.ValidateAsync(personal));
        await using var db = await portal.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.ApiTokens.CountAsync() + await db.ActivationTokens.CountAsync());
    }

    [SkippableTheory, MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Names_are_required_and_bounded(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var service = portal.Get<ApiTokenService>();
        var carol = await portal.CreateUserAsync("carol");

        Assert.Equal("Error.Required", (await service.CreatePersonalAsync(carol, "  ", null)).Errors[0].Code);
        Assert.Equal("Error.TooLong", (await service.CreatePersonalAsync(carol, new string('x', 65), null)).Errors[0].Code);
        Assert.Equal("Error.InvalidValue", (await service.CreatePersonalAsync(carol, "a\u0001b", null)).Errors[0].Code);
        Assert.Empty(await service.ListPersonalAsync(carol));
    }
}
