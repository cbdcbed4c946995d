using LicensePortal.Options;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace LicensePortal.Email;

/// <summary>
/// Sends mail through the configured SMTP server (MailKit), one connection per message. Without Email:Smtp:Host the
/// portal sends nothing (<see cref="Enabled"/> is false; said once at start by <see cref="MailStartupNotice"/>).
/// The password goes to the server's AUTH only: MailKit logs nothing unless given a protocol logger, and none is.
/// </summary>
public sealed class MailSender(IOptions<EmailOptions> options, ILogger<MailSender> logger)
{
    public bool Enabled => options.Value.Enabled;

    public MailboxAddress From => MailboxAddress.Parse(options.Value.From);

    /// <summary>The portal's public address, ending in '/', for links in mail.</summary>
    public Uri PortalUrl => new(options.Value.PortalUrl.TrimEnd('/') + "/");

    /// <summary>
    /// Hands <paramref name="message"/> to the SMTP server. Returns when the server accepted it (its answer to the end
    /// of DATA); throws when it did not, or could not be reached. A failure to say goodbye after acceptance is not one.
    /// </summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        if (!Enabled)
        {
            throw new InvalidOperationException("Email:Smtp:Host is not set; the portal sends no mail.");
        }
        var smtp = options.Value.Smtp;
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        var security = smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : smtp.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        await client.ConnectAsync(smtp.Host, smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.User))
        {
            await client.AuthenticateAsync(smtp.User, smtp.Password, cancellationToken);
        }
        var answer = await client.SendAsync(message, cancellationToken);
        logger.LogInformation("The SMTP server {Server} accepted message {MessageId}: {Answer}", smtp.ToString(), message.MessageId, answer);
        try
        {
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Accepted is accepted: sending it again would duplicate it.
            logger.LogDebug(ex, "Closing the SMTP connection failed after the message was accepted");
        }
    }
}

/// <summary>Says once, at start, that the portal sends no mail because no SMTP host is configured.</summary>
public sealed class MailStartupNotice(MailSender sender, ILogger<MailStartupNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!sender.Enabled)
        {
            logger.LogWarning("Email:Smtp:Host is not set: the portal sends no mail (no expiry reminders, no e-mail confirmation links)");
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
