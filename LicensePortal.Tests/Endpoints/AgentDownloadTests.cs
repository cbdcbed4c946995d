using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using LicensePortal.Services;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Endpoints;

/// <summary>
/// GET /downloads/agent/licenseportal-agent-linux-x64: the agent an administrator published into Agent:DownloadDirectory,
/// for signed-in users only, byte for byte, with the SHA-256 the portal shows; a clear 404 when none is published.
/// </summary>
public sealed class AgentDownloadTests : IDisposable
{
    private const string Download = "/downloads/agent/licenseportal-agent-linux-x64";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lp-agent-download-");

    private string PublishDirectory => Path.Combine(_folder.FullName, "agent");

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>A file standing in for the NativeAOT executable: random bytes, as `dotnet publish -o DIR` leaves it.</summary>
    private byte[] Publish(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        Directory.CreateDirectory(PublishDirectory);
        File.WriteAllBytes(Path.Combine(PublishDirectory, AgentDownloads.PublishedFileName), bytes);
        return bytes;
    }

    private WebApplicationFactory<Program> Portal(PortalWebFactory factory) =>
        factory.WithWebHostBuilder(b => b.UseSetting("Agent:DownloadDirectory", PublishDirectory));

    private static HttpClient Browser(WebApplicationFactory<Program> portal, string language = "en")
    {
        var client = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        return client;
    }

    private static async Task<HttpClient> CustomerAsync(PortalWebFactory factory, WebApplicationFactory<Program> portal, string instance, string language = "en")
    {
        var (carol, password) = await factory.CreateUserAsync("carol");
        await ApiTestKit.InstanceAsync(factory, instance, carol);
        var client = Browser(portal, language);
        using var signIn = await PortalWebFactory.SignInAsync(client, "carol", password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    [Fact]
    public async Task An_anonymous_request_is_sent_to_the_sign_in_page_and_gets_none_of_the_file()
    {
        Publish(4096);
        await using var factory = new PortalWebFactory();
        await using var portal = Portal(factory);
        using var anonymous = Browser(portal);

        using var response = await anonymous.GetAsync(new Uri(Download, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Identity/Account/Login?ReturnUrl={Uri.EscapeDataString(Download)}", response.Headers.Location?.PathAndQuery);
        Assert.NotEqual("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length < 4096);
    }

    [Fact]
    public async Task A_signed_in_customer_gets_exactly_the_published_bytes_under_the_download_name_with_the_SHA256_the_portal_reports()
    {
        var bytes = Publish(300_000);
        await using var factory = new PortalWebFactory();
        await using var portal = Portal(factory);
        using var carol = await CustomerAsync(factory, portal, "carols-host");

        using var response = await carol.GetAsync(new Uri(Download, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("licenseportal-agent-linux-x64", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var info = portal.Services.GetRequiredService<AgentDownloads>().Describe();
        Assert.True(info.Published);
        Assert.Equal(sha256, info.Sha256);
        Assert.Equal(bytes.Length, info.Size);
        Assert.Equal($"\"{sha256}\"", response.Headers.ETag?.Tag);

        // The instance page shows the same SHA-256 and the download link.
        var page = WebUtility.HtmlDecode(await carol.GetStringAsync(new Uri("/instances/carols-host", UriKind.Relative)));
        Assert.Contains(sha256, page, StringComparison.Ordinal);
        Assert.Contains("href=\"downloads/agent/licenseportal-agent-linux-x64\"", page, StringComparison.Ordinal);
        Assert.Contains("sudo ./licenseportal-agent hostinfo --instance carols-host --out hostinfo.txt", page, StringComparison.Ordinal);

        // A browser that has this version already is told so.
        using var again = new HttpRequestMessage(HttpMethod.Get, Download);
        again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{sha256}\""));
        using var notModified = await carol.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task A_new_published_version_gets_a_new_SHA256_and_is_served_instead()
    {
        var first = Publish(10_000);
        await using var factory = new PortalWebFactory();
        await using var portal = Portal(factory);
        using var carol = await CustomerAsync(factory, portal, "carols-host");
        var agents = portal.Services.GetRequiredService<AgentDownloads>();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first)), agents.Describe().Sha256);

        var second = Publish(12_345);
        File.SetLastWriteTimeUtc(agents.FilePath, DateTime.UtcNow.AddMinutes(1));
        using var response = await carol.GetAsync(new Uri(Download, UriKind.Relative));

        Assert.Equal(second, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(second)), agents.Describe().Sha256);
        Assert.Equal(12_345, agents.Describe().Size);
    }

    [Fact]
    public async Task Without_a_published_agent_the_download_is_a_localized_404_and_the_page_tells_a_customer_to_ask_an_administrator()
    {
        await using var factory = new PortalWebFactory();
        await using var portal = Portal(factory);
        using var carol = await CustomerAsync(factory, portal, "carols-host");

        using var english = await carol.GetAsync(new Uri(Download, UriKind.Relative));
        var problem = await ApiTestKit.ProblemAsync(english, HttpStatusCode.NotFound, "Agent.NotPublished");
        Assert.StartsWith("No host agent has been published on this portal yet", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var chinese = new HttpRequestMessage(HttpMethod.Get, Download);
        chinese.Headers.AcceptLanguage.Clear();
        chinese.Headers.AcceptLanguage.ParseAdd("zh-CN");
        using var inChinese = await carol.SendAsync(chinese);
        var chineseProblem = await ApiTestKit.ProblemAsync(inChinese, HttpStatusCode.NotFound, "Agent.NotPublished");
        Assert.StartsWith("本门户尚未发布主机代理", chineseProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var page = WebUtility.HtmlDecode(await carol.GetStringAsync(new Uri("/instances/carols-host", UriKind.Relative)));
        Assert.Contains("Ask your vendor's administrator to publish it", page, StringComparison.Ordinal);
        // The server's directory is for administrators only.
        Assert.DoesNotContain(PublishDirectory, page, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"downloads/agent/licenseportal-agent-linux-x64\"", page, StringComparison.Ordinal);
        // Asking changed nothing: the missing directory was not created.
        Assert.False(Directory.Exists(PublishDirectory));
    }

    [Theory]
    [InlineData("/downloads/agent/licenseportal-agent")]
    [InlineData("/downloads/agent/..%2Flicenseportal-agent")]
    [InlineData("/downloads/agent/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/downloads/agent/agent/licenseportal-agent-linux-x64")]
    [InlineData("/downloads/agent/LICENSEPORTAL-AGENT-LINUX-X64")]
    public async Task Any_other_name_under_downloads_agent_is_a_404_that_names_the_real_download(string path)
    {
        var bytes = Publish(2048);
        // A file beside the agent that a path in the URL might try to reach.
        Directory.CreateDirectory(Path.Combine(PublishDirectory, "agent"));
        File.WriteAllBytes(Path.Combine(PublishDirectory, "agent", AgentDownloads.DownloadFileName), bytes);
        await using var factory = new PortalWebFactory();
        await using var portal = Portal(factory);
        using var carol = await CustomerAsync(factory, portal, "carols-host");

        using var response = await carol.GetAsync(new Uri(path, UriKind.Relative));

        var problem = await ApiTestKit.ProblemAsync(response, HttpStatusCode.NotFound, "Agent.UnknownFile");
        Assert.Contains("licenseportal-agent-linux-x64", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(PublishDirectory, AgentDownloads.PublishedFileName)));
    }

    [Fact]
    public async Task A_relative_download_directory_is_resolved_against_the_content_root_and_the_default_is_data_agent()
    {
        await using var factory = new PortalWebFactory();
        await using var relative = factory.WithWebHostBuilder(b => b.UseSetting("Agent:DownloadDirectory", "published/agent"));
        var environment = relative.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>();

        Assert.Equal(Path.GetFullPath(Path.Combine(environment.ContentRootPath, "published", "agent")), relative.Services.GetRequiredService<AgentDownloads>().Directory);
        Assert.Equal(Path.GetFullPath(Path.Combine(factory.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>().ContentRootPath, "data", "agent")),
            factory.Services.GetRequiredService<AgentDownloads>().Directory);
    }
}
