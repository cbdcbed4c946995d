using System.Text;
using System.Text.Encodings.Web;
using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.Extensions.Localization;
using MimeKit;

namespace LicensePortal.Email;

/// <summary>
/// The portal's messages, each in text and HTML, in the language asked for (the recipient's). The texts are the
/// resource file's ("Mail.*"), so both languages stay side by side with the pages' texts.
/// </summary>
public sealed class MailMessages(IStringLocalizer<SharedResource> text, MailSender sender)
{
    /// <summary>The expiry reminder of one instance, written <paramref name="daysLeft"/> days before its expiry date.</summary>
    public MimeMessage ExpiryReminder(string language, string instanceName, InstanceStatus status, DateOnly expiresOn, int daysLeft) =>
        MailCultures.In(language, () =>
        {
            var date = expiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var link = new Uri(sender.PortalUrl, "instances/" + Uri.EscapeDataString(instanceName)).ToString();
            var account = new Uri(sender.PortalUrl, "account/email").ToString();
            var (subject, intro) = daysLeft switch
            {
                0 => (text["Mail.Reminder.SubjectToday", instanceName, date], text["Mail.Reminder.IntroToday", instanceName, date]),
                1 => (text["Mail.Reminder.SubjectTomorrow", instanceName, date], text["Mail.Reminder.IntroTomorrow", instanceName, date]),
                _ => (text["Mail.Reminder.Subject", instanceName, date, daysLeft], text["Mail.Reminder.Intro", instanceName, date, daysLeft]),
            };
            return Compose(language, subject,
                [intro, text["Mail.Reminder.Renew"]],
                [(text["Instance.Name"], instanceName), (text["Instance.Status"], text[$"Status.{status}"]), (text["Instance.ExpiresOn"], date)],
                (text["Mail.Reminder.Open"], link),
                text["Mail.Reminder.OptOut", account]);
        });

    /// <summary>The link that confirms an account's e-mail address.</summary>
    public MimeMessage ConfirmationLink(string language, string userName, Uri link) =>
        MailCultures.In(language, () => Compose(language, text["Mail.Confirm.Subject"],
            [text["Mail.Confirm.Intro", userName], text["Mail.Confirm.NotYou"]],
            [],
            (text["Mail.Confirm.Open"], link.ToString()),
            null));

    private MimeMessage Compose(string language, string subject, string[] paragraphs, (string Label, string Value)[] facts, (string Label, string Url) action, string? footer)
    {
        var plain = new StringBuilder();
        var html = new StringBuilder();
        var enc = HtmlEncoder.Default;
        html.Append(System.Globalization.CultureInfo.InvariantCulture, $"<!DOCTYPE html><html lang=\"{enc.Encode(language)}\"><head><meta charset=\"utf-8\"><title>{enc.Encode(subject)}</title></head>");
        html.Append("<body style=\"font-family:sans-serif;line-height:1.5;color:#222\">");
        foreach (var p in paragraphs)
        {
            plain.AppendLine(p).AppendLine();
            html.Append(System.Globalization.CultureInfo.InvariantCulture, $"<p>{enc.Encode(p)}</p>");
        }
        if (facts.Length > 0)
        {
            html.Append("<table style=\"border-collapse:collapse;margin:0 0 1em\">");
            foreach (var (label, value) in facts)
            {
                plain.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{label}: {value}");
                html.Append(System.Globalization.CultureInfo.InvariantCulture, $"<tr><th style=\"text-align:left;padding:2px 12px 2px 0\">{enc.Encode(label)}</th><td>{enc.Encode(value)}</td></tr>");
            }
            html.Append("</table>");
            plain.AppendLine();
        }
        plain.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{action.Label}: {action.Url}");
        html.Append(System.Globalization.CultureInfo.InvariantCulture, $"<p><a href=\"{enc.Encode(action.Url)}\">{enc.Encode(action.Label)}</a></p>");
        if (footer is not null)
        {
            plain.AppendLine().AppendLine(footer);
            html.Append(System.Globalization.CultureInfo.InvariantCulture, $"<p style=\"font-size:small;color:#555\">{enc.Encode(footer)}</p>");
        }
        html.Append("</body></html>");

        var message = new MimeMessage { Subject = subject };
        message.From.Add(sender.From);
        message.Headers.Add(HeaderId.ContentLanguage, language);
        message.Body = new BodyBuilder { TextBody = plain.ToString(), HtmlBody = html.ToString() }.ToMessageBody();
        return message;
    }
}
