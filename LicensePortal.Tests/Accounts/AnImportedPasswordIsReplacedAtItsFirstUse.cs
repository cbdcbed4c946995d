using LicensePortal.Accounts;
using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Accounts;

/// <summary>
/// An account imported with its Werkzeug hash in PasswordHash (as the import writes it) keeps its password; the first
/// time the right password is given (sign-in, token exchange, password change all end in UserManager) the hash is
/// replaced by Identity's own, and no Werkzeug hash is ever written. The portal's real UserManager on a real database.
/// </summary>
public sealed class AnImportedPasswordIsReplacedAtItsFirstUse
{
    // Written by Werkzeug 3.1.8: generate_password_hash("laoxitong-2019", "pbkdf2:sha256:50000", salt_length=8).
    private const string OldPassword = "laoxitong-2019";
    private const string WerkzeugHash = "pbkdf2:sha256:50000$3MoLOYoE$013be4d1321279dbe34feb6cdc7ef61b346374fadb897fcabe0b23377c252bde";

    [Fact]
    public async Task The_right_old_password_is_accepted_and_the_hash_becomes_Identitys()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("zhangsan");
        await ImportHashAsync(factory, "zhangsan", WerkzeugHash);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByNameAsync("zhangsan"))!;
            Assert.True(await users.CheckPasswordAsync(user, OldPassword));
        }

        var stored = await StoredHashAsync(factory, "zhangsan");
        Assert.False(WerkzeugPasswordHash.IsLegacy(stored));
        // Identity's own hasher (not the portal's) reads it, as a current hash of the old password.
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<PortalUser>().VerifyHashedPassword(new PortalUser(), stored, OldPassword));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByNameAsync("zhangsan"))!;
            Assert.True(await users.CheckPasswordAsync(user, OldPassword));
            Assert.False(await users.CheckPasswordAsync(user, OldPassword + "!"));
        }
        Assert.Equal(stored, await StoredHashAsync(factory, "zhangsan"));
    }

    [Fact]
    public async Task A_wrong_password_leaves_the_imported_hash_as_it_was()
    {
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("lisi");
        await ImportHashAsync(factory, "lisi", WerkzeugHash);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByNameAsync("lisi"))!;
            Assert.False(await users.CheckPasswordAsync(user, "laoxitong-2018"));
            Assert.False(await users.CheckPasswordAsync(user, ""));
        }
        Assert.Equal(WerkzeugHash, await StoredHashAsync(factory, "lisi"));
    }

    [Fact]
    public async Task Changing_the_password_from_an_imported_hash_stores_Identitys_hash_of_the_new_one()
    {
        const string newPassword = "Xin-Mima-2026!";
        await using var factory = new PortalWebFactory();
        await factory.CreateUserAsync("wangwu");
        await ImportHashAsync(factory, "wangwu", WerkzeugHash);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByNameAsync("wangwu"))!;
            var wrong = await users.ChangePasswordAsync(user, "not-the-old-one", newPassword);
            Assert.Contains(wrong.Errors, e => e.Code == "PasswordMismatch");
        }
        Assert.Equal(WerkzeugHash, await StoredHashAsync(factory, "wangwu"));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByNameAsync("wangwu"))!;
            var changed = await users.ChangePasswordAsync(user, OldPassword, newPassword);
            Assert.True(changed.Succeeded, string.Join(", ", changed.Errors.Select(e => e.Code)));
        }
        var stored = await StoredHashAsync(factory, "wangwu");
        Assert.False(WerkzeugPasswordHash.IsLegacy(stored));
        var identity = new PasswordHasher<PortalUser>();
        Assert.Equal(PasswordVerificationResult.Success, identity.VerifyHashedPassword(new PortalUser(), stored, newPassword));
        Assert.Equal(PasswordVerificationResult.Failed, identity.VerifyHashedPassword(new PortalUser(), stored, OldPassword));
    }

    [Fact]
    public async Task The_portal_hashes_new_passwords_in_Identitys_format_only()
    {
        await using var factory = new PortalWebFactory();
        await using var scope = factory.Services.CreateAsyncScope();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<PortalUser>>();
        Assert.IsType<PortalPasswordHasher>(hasher);
        var hash = hasher.HashPassword(new PortalUser(), OldPassword);
        Assert.False(WerkzeugPasswordHash.IsLegacy(hash));
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(new PortalUser(), hash, OldPassword));
        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, hasher.VerifyHashedPassword(new PortalUser(), WerkzeugHash, OldPassword));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(new PortalUser(), WerkzeugHash, "laoxitong-2018"));
    }

    [Theory]
    [InlineData("pbkdf2:sha256:2000000000$3MoLOYoE$013be4d1321279dbe34feb6cdc7ef61b346374fadb897fcabe0b23377c252bde")]
    [InlineData("scrypt:1048576:64:64$salt$00")]
    [InlineData("not*base64*and*no*dollar")]
    [InlineData("AQAAAA")]
    public void A_damaged_or_hostile_stored_hash_is_a_wrong_password_not_a_server_error(string stored) =>
        Assert.Equal(PasswordVerificationResult.Failed, new PortalPasswordHasher().VerifyHashedPassword(new PortalUser(), stored, OldPassword));

    /// <summary>What the import does: the old row's hash goes into PasswordHash unchanged.</summary>
    internal static async Task ImportHashAsync(PortalWebFactory factory, string userName, string hash)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var user = await db.Users.SingleAsync(u => u.UserName == userName);
        user.PasswordHash = hash;
        await db.SaveChangesAsync();
    }

    private static async Task<string> StoredHashAsync(PortalWebFactory factory, string userName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return (await db.Users.AsNoTracking().SingleAsync(u => u.UserName == userName)).PasswordHash!;
    }
}
