using System.Globalization;
using LicensePortal.Data;
using LicensePortal.Notifications;
using LicensePortal.Services;
using Microsoft.Extensions.Logging.Abstractions;

namespace LicensePortal.Tests.Notifications;

/// <summary>
/// A page's handler runs in the culture its page subscribed in (its viewer's), whoever publishes: a user in another
/// language, or a relay delivering another node's change on a thread with no culture of its own. The publisher keeps its own.
/// </summary>
public sealed class HandlersRunInTheSubscribersCulture
{
    [Fact]
    public async Task An_English_page_hears_a_Chinese_users_change_and_a_relayed_one_in_English()
    {
        var notifier = new InstanceChangeNotifier(NullLogger<InstanceChangeNotifier>.Instance);
        var viewer = new PortalActor("admin-id", "admin", PortalRole.Administrator);
        var heard = new List<(string Culture, string UICulture)>();
        IDisposable subscription = null!;
        await InCultureAsync("en", () =>
        {
            subscription = notifier.Subscribe(viewer, _ =>
            {
                lock (heard) { heard.Add((CultureInfo.CurrentCulture.Name, CultureInfo.CurrentUICulture.Name)); }
                return Task.CompletedTask;
            });
            return Task.CompletedTask;
        });
        using (subscription)
        {
            var change = new InstanceChange(1, "owner-id", InstanceChangeKind.Updated);
            await InCultureAsync("zh-Hans", async () =>
            {
                await notifier.PublishAsync(change);
                Assert.Equal("zh-Hans", CultureInfo.CurrentUICulture.Name); // the publisher's request goes on in its own
            });
            await InCultureAsync("", () => Task.Run(() => notifier.DeliverAsync([change]))); // what a relay does

            Assert.Equal([("en", "en"), ("en", "en")], heard);
        }
    }

    /// <summary>Runs <paramref name="action"/> in its own execution context with <paramref name="culture"/> ("" = invariant).</summary>
    private static Task InCultureAsync(string culture, Func<Task> action) => Task.Run(async () =>
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        await action();
    });
}
