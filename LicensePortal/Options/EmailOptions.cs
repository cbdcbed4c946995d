using System.ComponentModel.DataAnnotations;

namespace LicensePortal.Options;

/// <summary>Configuration section "Email": the SMTP server the portal sends its mail through. No host: no mail at all.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>The sender, "Name &lt;address&gt;" or an address (checked at start when a host is set).</summary>
    public string From { get; set; } = "";

    /// <summary>
    /// The portal's address as its users reach it (https://licenses.example.com/), for the links in mail: the portal
    /// behind a proxy cannot know it from a request, and a reminder has no request at all.
    /// </summary>
    public string PortalUrl { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(Smtp.Host);

    /// <summary>The rules a start-up check applies when mail is on: a sender and an absolute http(s) portal address.</summary>
    public static bool IsValid(EmailOptions o) =>
        !o.Enabled || (MimeKit.MailboxAddress.TryParse(o.From, out _)
            && Uri.TryCreate(o.PortalUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https");
}

/// <summary>"Email:Smtp". The password is read from configuration only and never logged.</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "";

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Empty: no authentication.</summary>
    public string User { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>
    /// True (default): STARTTLS is required on a plain port (587, 25); false: plain SMTP, for a relay on the same host
    /// or network only. Port 465 always speaks TLS from the start.
    /// </summary>
    public bool StartTls { get; set; } = true;

    /// <summary>How long one connection or command may take before the attempt counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public override string ToString() => $"{Host}:{Port}"; // never the password
}
