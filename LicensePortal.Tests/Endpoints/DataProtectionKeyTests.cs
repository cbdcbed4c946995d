using LicensePortal.Data;
using LicensePortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Endpoints;

public sealed class DataProtectionKeyTests
{
    [Fact]
    public async Task Signing_in_keeps_the_cookie_key_in_the_database_where_every_node_finds_it()
    {
        await using var factory = new PortalWebFactory();
        var client = factory.CreateBrowser();

        using var response = await PortalWebFactory.SignInAsync(client, PortalWebFactory.AdminUserName, PortalWebFactory.AdminPassword);

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var keys = await db.DataProtectionKeys.ToListAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.Contains("<key ", k.Xml, StringComparison.Ordinal));
    }
}
