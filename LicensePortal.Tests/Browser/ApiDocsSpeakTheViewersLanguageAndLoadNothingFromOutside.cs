using LicensePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LicensePortal.Tests.Browser;

/// <summary>
/// /api/docs in Chromium, once with an English and once with a Chinese browser: the page names its language, Scalar's own
/// texts are in it, every request goes to the portal itself, and Scalar's hosted services (AI chat, SDK generation, the
/// deploy toolbar) offer nothing.
/// </summary>
public sealed class ApiDocsSpeakTheViewersLanguageAndLoadNothingFromOutside
{
    [Fact]
    public async Task English_and_Chinese_viewers_get_the_reference_in_their_language_from_the_portal_alone()
    {
        await using var portal = await PortalProcess.StartAsync();
        var (playwright, browser) = await Browsers.LaunchAsync();
        IPage? current = null;
        try
        {
            foreach (var (locale, lang, download) in new[] { ("en-US", "en", "Download OpenAPI Document"), ("zh-CN", "zh-Hans", "下载 OpenAPI 文档") })
            {
                var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseAddress.ToString(), Locale = locale });
                var page = current = await context.NewPageAsync();
                page.SetDefaultTimeout(45_000);
                var elsewhere = new List<string>();
                page.Request += (_, request) =>
                {
                    var url = new Uri(request.Url);
                    if (url.Scheme is "http" or "https" or "ws" or "wss" && url.Authority != portal.BaseAddress.Authority)
                    {
                        lock (elsewhere) { elsewhere.Add(request.Url); }
                    }
                };

                var answer = await page.GotoAsync("api/docs");
                Assert.Contains($"<html lang=\"{lang}\">", await answer!.TextAsync(), StringComparison.Ordinal);
                // Scalar has fetched the document and rendered its operations.
                await page.GetByText("Accounts, a page at a time").First.WaitForAsync();
                Assert.Equal(lang, await page.EvaluateAsync<string>("() => document.documentElement.lang"));
                await Assertions.Expect(page.GetByText(download).First).ToBeAttachedAsync();

                // The AI chat and SDK generation are offered on localhost unless turned off; the deploy toolbar likewise.
                var body = await page.Locator("body").InnerTextAsync();
                foreach (var offer in new[] { "Ask AI", "Generate SDK", "Deploy", "Developer Tools", "询问 AI", "生成 SDK", "部署" })
                {
                    Assert.DoesNotContain(offer, body, StringComparison.OrdinalIgnoreCase);
                }
                Assert.Equal(0, await page.Locator(".generate-sdk-button, header[aria-label='Developer Tools']").CountAsync());
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                Assert.True(elsewhere.Count == 0, $"{locale}: requests to other hosts:\n" + string.Join("\n", elsewhere));
                await context.DisposeAsync();
            }
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException && current is not null)
        {
            var shot = Path.Combine(Path.GetTempPath(), $"lp-api-docs-failure-{Guid.NewGuid():N}.png");
            await current!.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            throw new InvalidOperationException($"Browser step failed at {current.Url}; screenshot {shot}. Portal output:\n{portal.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
