using LicensePortal.Options;

namespace LicensePortal.Email;

/// <summary>Mail, expiry reminders and e-mail confirmation, wired in one place.</summary>
public static class EmailSetup
{
    public static IServiceCollection AddPortalEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations()
            .Validate(EmailOptions.IsValid, "With Email:Smtp:Host set, Email:From must be an address and Email:PortalUrl the portal's absolute http(s) address.")
            .ValidateOnStart();
        services.AddOptions<ReminderOptions>().BindConfiguration(ReminderOptions.Section)
            .Validate(ReminderOptions.IsValid, "Reminders:DaysBefore must be days between 1 and 366, Reminders:CheckInterval and RetryDelay positive, Reminders:StaffAddress an address.")
            .ValidateOnStart();
        services.AddSingleton<MailSender>();
        services.AddSingleton<MailMessages>();
        services.AddSingleton<EmailConfirmation>();
        services.AddSingleton<ExpiryReminderHistory>();
        services.AddSingleton<AccountEmailSettings>();
        services.AddHostedService<MailStartupNotice>();
        services.AddSingleton<ExpiryReminders>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpiryReminders>());
        return services;
    }
}
