using LicensePortal.Data;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Services;

/// <summary>
/// Phone numbers are typed in international form (an optional "+", digits, spaces, dashes, dots, parentheses) and stored in
/// E.164: "+" and 1 to 15 digits. Without "+" only the seed's 11-digit Chinese mobile numbers are known (+86 added).
/// </summary>
public sealed class PhoneNumbersAreStoredInInternationalForm
{
    [Theory]
    [InlineData("+1 555 0100", "+15550100")] // the example, refused before
    [InlineData("+1 (555) 010-0100", "+15550100100")]
    [InlineData("+44 20.7946.0958", "+442079460958")]
    [InlineData("+7", "+7")]
    [InlineData("+123456789012345", "+123456789012345")] // 15 digits, the most E.164 has
    [InlineData("  +8613800138000 ", "+8613800138000")] // a stored number, typed again
    [InlineData("13800138000", "+8613800138000")] // the seed's form: a Chinese mobile number
    [InlineData("138-0013-8000", "+8613800138000")]
    public void Accepted_numbers_are_stored_as_plus_and_digits(string typed, string stored)
    {
        Assert.Equal(stored, UserRules.StoredPhone(typed));
        Assert.DoesNotContain(UserRules.Validate(Carol(typed)), e => e.Field == nameof(UserInput.Phone));
    }

    [Theory]
    [InlineData("5550100")] // no country code
    [InlineData("1380013800")] // 10 digits without "+"
    [InlineData("23800138000")] // 11 digits, but not a Chinese mobile number
    [InlineData("+1234567890123456")] // 16 digits
    [InlineData("+0 555 0100")] // no country code starts with 0
    [InlineData("+")]
    [InlineData("++1 555 0100")]
    [InlineData("+ 1 555 0100")]
    [InlineData("+1 555 0100 ext 2")]
    [InlineData("+1 555 0100-")]
    [InlineData("+1/555/0100")]
    [InlineData("+1                              5550100")] // longer than anyone types a number
    public void Other_text_is_refused_on_the_phone_field(string typed)
    {
        Assert.Null(UserRules.StoredPhone(typed));
        var error = Assert.Single(UserRules.Validate(Carol(typed)));
        Assert.Equal((nameof(UserInput.Phone), "Error.PhoneFormat"), (error.Field, error.Code));
    }

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_15_digit_number_is_saved_and_read_back(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var portal = await PortalServices.StartAsync(provider);
        var users = portal.Get<UserAdminService>();
        var admin = await portal.AdminAsync();

        var created = await users.CreateAsync(admin, Carol("+1 (234) 567-8901-2345"), "Car0l-Passw0rd!");
        Assert.True(created.Succeeded, string.Join(", ", created.Errors.Select(e => e.Code)));
        var id = created.Value!.User.Id;
        Assert.Equal("+123456789012345", (await users.GetAsync(admin, id))!.Phone);

        var updated = await users.UpdateAsync(admin, id, Carol("+86 138 0013 8000 12"), created.Value.User.Version);
        Assert.True(updated.Succeeded, string.Join(", ", updated.Errors.Select(e => e.Code)));
        Assert.Equal("+861380013800012", (await users.GetAsync(admin, id))!.Phone);
        await using var scope = portal.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.SingleAsync(u => u.Id == id);
        Assert.Equal("+861380013800012", stored.PhoneNumber);
    }

    private static UserInput Carol(string phone) => new("carol", "carol@example.com", phone, "Acme", null, PortalRole.User);
}
