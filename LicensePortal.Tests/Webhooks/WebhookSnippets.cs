using System.Diagnostics;
using System.Globalization;
using LicensePortal.Tests.Infrastructure;

namespace LicensePortal.Tests.Webhooks;

/// <summary>
/// The verification snippets of docs/webhooks.md, run as a receiver would: the Python one by /usr/bin/python3 from the
/// document's own text, the C# one compiled into this project (Docs/WebhookReceiverExample.cs, which the document must
/// show exactly).
/// </summary>
public static class WebhookSnippets
{
    public static string Document => File.ReadAllText(Path.Combine(PortalProcess.RepositoryRoot(), "docs", "webhooks.md"));

    public static string Between(string text, string begin, string end)
    {
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        Assert.True(start >= 0, $"marker {begin} not found");
        var stop = text.IndexOf(end, start + begin.Length, StringComparison.Ordinal);
        Assert.True(stop > start, $"marker {end} not found");
        return text[(start + begin.Length)..stop].Trim('\n');
    }

    public static bool VerifyInCSharp(string secret, ReceivedWebhook hook, DateTimeOffset? now = null, string? body = null) =>
        Receiver.LicensePortalWebhook.Verify(secret, hook.Signature ?? "", body ?? hook.BodyText, now ?? hook.At);

    private const string Driver = """
        import os
        import sys

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from licenseportal_webhook import verify

        with open(sys.argv[1], "rb") as f:
            body = f.read()
        now = float(sys.argv[2]) if len(sys.argv) > 2 else None
        print("valid" if verify(os.environ["LP_WEBHOOK_SECRET"], os.environ["LP_WEBHOOK_SIGNATURE"], body, now) else "invalid")
        """;

    /// <summary>Runs the document's Python snippet on the delivery; true for "valid", false for "invalid" (anything else fails the test).</summary>
    public static async Task<bool> VerifyInPythonAsync(string secret, ReceivedWebhook hook, DateTimeOffset? now = null, byte[]? body = null)
    {
        var dir = Directory.CreateTempSubdirectory("lp-hook-py-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "licenseportal_webhook.py"), Between(Document, "# example: begin", "# example: end") + "\n");
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "check.py"), Driver + "\n");
            var bodyFile = Path.Combine(dir.FullName, "body.json");
            await File.WriteAllBytesAsync(bodyFile, body ?? hook.Body);
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(dir.FullName, "check.py"));
            start.ArgumentList.Add(bodyFile);
            start.ArgumentList.Add((now ?? hook.At).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            // The secret through the environment, not the command line (which every user of the machine can read).
            start.Environment["LP_WEBHOOK_SECRET"] = secret;
            start.Environment["LP_WEBHOOK_SIGNATURE"] = hook.Signature ?? "";
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"python3 exited with {process.ExitCode}: {error}");
            return output.Trim() switch
            {
                "valid" => true,
                "invalid" => false,
                var other => throw new InvalidOperationException($"the Python snippet printed '{other}' ({error})"),
            };
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
