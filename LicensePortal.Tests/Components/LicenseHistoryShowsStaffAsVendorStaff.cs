using Bunit;
using LicensePortal.Data;
using LicensePortal.Services;
using static LicensePortal.Tests.Licensing.Portal.PortalLicenseKit;

namespace LicensePortal.Tests.Components;

/// <summary>
/// The instance page's license history on the real page and services: the customer sees their own downloads with their
/// address and vendor staff's only as "vendor staff" (in their language), without name or address, also as the issuer of
/// a revision an administrator made; staff see who and from where.
/// </summary>
public abstract class LicenseHistoryShowsStaffAsVendorStaffBase(string culture, string vendorStaff) : HostBindingPanelTestBase(culture)
{
    private const string StaffAddress = "198.51.100.23";

    /// <summary>alice's revision 1 (hers), then an administrator's revision 2, then support's fetch of it.</summary>
    private async Task<PortalActor> HistoryWithStaffAsync()
    {
        var (alice, _) = await BoundInstanceAsync();
        var licenses = Portal.Get<LicenseService>();
        Assert.True((await licenses.GenerateAsync(alice, Name, Address)).Succeeded);
        await UpdateAsync(Portal, Name, q => q with { MaxDesktops = 11 });
        var olga = await Portal.CreateUserAsync("olga", PortalRole.Administrator);
        var sam = await Portal.CreateUserAsync("sam", PortalRole.Support);
        Assert.True((await licenses.GenerateAsync(olga, Name, StaffAddress)).Value!.NewRevision);
        Assert.True((await licenses.LatestAsync(sam, Name, StaffAddress)).Succeeded);
        return alice;
    }

    [Fact]
    public async Task The_customer_sees_vendor_staff_without_name_or_address_and_their_own_downloads_with_theirs()
    {
        var alice = await HistoryWithStaffAsync();

        var page = RenderPage(alice);

        var history = page.Find("#license-history").TextContent;
        Assert.DoesNotContain("olga", history, StringComparison.Ordinal);
        Assert.DoesNotContain("sam", history, StringComparison.Ordinal);
        Assert.DoesNotContain(StaffAddress, history, StringComparison.Ordinal);
        var rows = page.FindAll("#license-history tbody tr");
        Assert.Equal(vendorStaff, rows[0].Children[2].TextContent.Trim()); // revision 2's issuer
        Assert.Equal(2, rows[0].QuerySelectorAll(".staff-download").Length);
        Assert.All(rows[0].QuerySelectorAll(".staff-download"), d => Assert.StartsWith(vendorStaff + " · ", d.TextContent.Trim(), StringComparison.Ordinal));
        Assert.Equal("alice", rows[1].Children[2].TextContent.Trim());
        Assert.Contains($"alice · ", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains(Address, rows[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staff_see_who_downloaded_and_from_where_marked_as_vendor_staff()
    {
        await HistoryWithStaffAsync();

        var page = RenderPage(await Portal.AdminAsync());

        var rows = page.FindAll("#license-history tbody tr");
        Assert.Equal("olga", rows[0].Children[2].TextContent.Trim());
        var staff = rows[0].QuerySelectorAll(".staff-download").Select(d => d.TextContent.Trim()).ToList();
        Assert.Equal(2, staff.Count);
        Assert.All(staff, d => Assert.Contains($" · {StaffAddress} ({vendorStaff})", d, StringComparison.Ordinal));
        Assert.Equal(["olga", "sam"], staff.Select(d => d[..d.IndexOf(' ', StringComparison.Ordinal)]).Order());
    }
}

public sealed class LicenseHistoryShowsStaffAsVendorStaff() : LicenseHistoryShowsStaffAsVendorStaffBase("en", "vendor staff");

public sealed class LicenseHistoryShowsStaffAsVendorStaffInChinese() : LicenseHistoryShowsStaffAsVendorStaffBase("zh-Hans", "供应商工作人员");
