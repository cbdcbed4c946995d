using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// The test server has no client address of its own (every request is "local"); this lets a test say which address a
/// request comes from, as a different machine on the network would, by setting the connection's remote address before
/// the portal's pipeline runs. Not a proxy header: the portal never sees it.
/// </summary>
public static class ClientAddresses
{
    public const string Header = "X-Test-Client-Address";

    /// <summary>The portal with these settings, serving requests from the address in <see cref="Header"/>.</summary>
    public static WebApplicationFactory<Program> WithClientAddresses(this WebApplicationFactory<Program> factory, params (string Key, string Value)[] settings) =>
        factory.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }
            b.ConfigureServices(s => s.AddSingleton<IStartupFilter, FromHeader>());
        });

    /// <summary>Every request of this client comes from <paramref name="address"/>.</summary>
    public static HttpClient From(this HttpClient client, string address)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.Add(Header, address);
        return client;
    }

    private sealed class FromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var value) && IPAddress.TryParse(value, out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                    context.Request.Headers.Remove(Header);
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
