using Microsoft.Playwright;

namespace LicensePortal.Tests.Infrastructure;

/// <summary>
/// Drops a file on an element the way Chromium delivers a drag from the desktop: DevTools' Input.dispatchDragEvent
/// (dragEnter, dragOver, drop) carrying the file's path, at the element's centre. Unlike SetInputFiles, this goes through
/// the browser's own hit testing and drop handling, so it fails when the page does not accept an OS drop there.
/// </summary>
public static class OsDrag
{
    public static async Task DropFileAsync(this IPage page, string selector, string path)
    {
        var zone = page.Locator(selector);
        await zone.ScrollIntoViewIfNeededAsync();
        var box = await zone.BoundingBoxAsync() ?? throw new InvalidOperationException($"{selector} is not visible.");
        var x = box.X + box.Width / 2;
        var y = box.Y + box.Height / 2;
        var session = await page.Context.NewCDPSessionAsync(page);
        try
        {
            // dragOperationsMask 1: copy, what a file manager offers for a file.
            var data = new Dictionary<string, object> { ["items"] = Array.Empty<object>(), ["files"] = new[] { Path.GetFullPath(path) }, ["dragOperationsMask"] = 1 };
            foreach (var type in new[] { "dragEnter", "dragOver", "drop" })
            {
                await session.SendAsync("Input.dispatchDragEvent", new Dictionary<string, object> { ["type"] = type, ["x"] = x, ["y"] = y, ["data"] = data });
            }
        }
        finally
        {
            await session.DetachAsync();
        }
    }
}
