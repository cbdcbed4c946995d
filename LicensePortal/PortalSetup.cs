using System.Globalization;
using LicensePortal.Accounts;
using LicensePortal.Components;
using LicensePortal.Data;
using LicensePortal.Email;
using LicensePortal.Endpoints;
using LicensePortal.Endpoints.Api;
using LicensePortal.Notifications;
using LicensePortal.Observability;
using LicensePortal.Options;
using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.FileProviders;
using MudBlazor;
using MudBlazor.Services;
using Scalar.AspNetCore;

namespace LicensePortal;

/// <summary>Everything Program.cs wires up, one method per direction: services in, endpoints out.</summary>
public static class PortalSetup
{
    public const string AdministratorsPolicy = "Administrators";
    public const string StaffPolicy = "Staff";

    public static readonly CultureInfo[] SupportedCultures = [new("zh-Hans"), new("en")];

    public static WebApplicationBuilder AddLicensePortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        services.AddOptions<LiveUpdatesOptions>().BindConfiguration(LiveUpdatesOptions.Section).ValidateDataAnnotations()
            .Validate(o => LiveUpdatesOptions.IsValidRedis(o.Redis), "LiveUpdates:Redis is not a Redis configuration (e.g. redis:6379,password=...).").ValidateOnStart();
        services.AddOptions<LicensingOptions>().BindConfiguration(LicensingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ReverseProxyOptions>().BindConfiguration(ReverseProxyOptions.Section)
            .Validate(ReverseProxyOptions.IsValid, "ForwardedHeaders:KnownProxies must be IP addresses and ForwardedHeaders:KnownNetworks CIDR networks (10.0.0.0/24).")
            .ValidateOnStart();
        // Only the configured proxies may name the client and the scheme. The framework's default trusts loopback; that is
        // cleared too, so a process on the same host (or a port forwarder) cannot forge an address: a proxy on the same host
        // is listed as 127.0.0.1 or ::1 like any other.
        services.AddOptions<ForwardedHeadersOptions>().Configure<Microsoft.Extensions.Options.IOptions<ReverseProxyOptions>>((o, proxies) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Walk back through X-Forwarded-For only while each hop is a known proxy: a chain of known proxies works, and
            // whatever a client wrote to the left of its own address is never taken.
            o.ForwardLimit = null;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in proxies.Value.KnownProxies)
            {
                o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
            foreach (var network in proxies.Value.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddSingleton(TimeProvider.System);
        builder.AddRequestHeadLimits();

        services.AddPortalDatabase(builder.Configuration, builder.Environment);
        services.AddPortalHealthChecks();
        services.AddPortalMetrics();
        // Keys in the database: any node can read any node's cookies, and a restart does not sign everyone out. Encrypted
        // there with a certificate every node has (in the shared key directory by default), so a database backup alone
        // cannot mint a cookie.
        services.AddDataProtection().SetApplicationName("LicensePortal").PersistKeysToDbContext<AppDbContext>()
            .ProtectKeysWithCertificate(CookieKeyCertificate.LoadOrCreate(
                builder.Configuration.GetSection(DataProtectionCertificateOptions.Section).Get<DataProtectionCertificateOptions>() ?? new DataProtectionCertificateOptions(),
                LicensingOptions.ResolveKeyDirectory(builder.Configuration.GetSection(LicensingOptions.Section).Get<LicensingOptions>() ?? new LicensingOptions(), builder.Environment)));
        // Secure whenever the request is HTTPS, directly or through a known proxy (the framework's default sends it on plain HTTP too).
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        services.AddIdentity<PortalUser, PortalRole>(options =>
            {
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = false; // e-mail is optional; UserAdminService keeps it unique when given
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                options.Password.RequiredLength = 10;
            })
            .AddEntityFrameworkStores<AppDbContext>()
            // AddDefaultUI registers the plain SignInManager again: our managers must come after it.
            .AddDefaultUI()
            .AddUserManager<PortalUserManager>()
            .AddSignInManager<PortalSignInManager>()
            .AddClaimsPrincipalFactory<PortalClaimsPrincipalFactory>()
            .AddErrorDescriber<PortalIdentityErrors>()
            .AddDefaultTokenProviders();
        services.AddTransient<PasswordRules>();
        // After AddIdentity, so this one is resolved: it also verifies (and so retires) imported Werkzeug hashes.
        services.AddScoped<IPasswordHasher<PortalUser>, PortalPasswordHasher>();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = AccountPages.Login;
            o.LogoutPath = AccountPages.Logout;
            o.AccessDeniedPath = "/Identity/Account/AccessDenied";
            o.Cookie.Name = "LicensePortal.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // after UseForwardedHeaders: HTTPS at a known proxy counts
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            // The JSON API answers 401/403 (with problem details, see ApiProblems) instead of sending scripts to the login page.
            o.Events.OnRedirectToLogin = context => ApiOrRedirect(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => ApiOrRedirect(context, StatusCodes.Status403Forbidden);
        });
        // Bearer tokens next to the cookie; /api/v1 authenticates with whichever the request carries.
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddPolicyScheme(BearerTokenHandler.ApiSchemeName, "Cookie or bearer token", o => o.ForwardDefaultSelector = context =>
                BearerTokenHandler.BearerValue(context.Request) is not null ? BearerTokenHandler.SchemeName : IdentityConstants.ApplicationScheme);
        services.AddPortalRateLimits();
        services.AddApiBindingProblems().AddPortalOpenApi();
        services.AddAuthorizationBuilder()
            .AddPolicy(AdministratorsPolicy, p => p.RequireRole(PortalRole.Administrator))
            .AddPolicy(StaffPolicy, p => p.RequireRole(PortalRole.Administrator, PortalRole.Support))
            // Every page and endpoint needs a signed-in user unless it says otherwise.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("zh-Hans");
            o.SupportedCultures = SupportedCultures;
            o.SupportedUICultures = SupportedCultures;
            o.FallBackToParentCultures = true;
            o.FallBackToParentUICultures = true;
            // "zh", "zh-CN", "zh-TW" from the browser all land on zh-Hans; anything else on English.
            o.RequestCultureProviders.Insert(2, new AcceptLanguageFallbackProvider());
        });

        services.AddProblemDetails();
        // The account pages' validation attributes name resource keys (ErrorMessage = "ChangePassword.Required").
        services.AddRazorPages().AddDataAnnotationsLocalization(o => o.DataAnnotationLocalizerProvider = (_, factory) => factory.Create(typeof(SharedResource)));
        services.AddStorableFormText();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityStateProvider>();
        services.AddHttpContextAccessor();
        services.AddMudServices(c =>
        {
            c.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            c.SnackbarConfiguration.PreventDuplicates = false;
        });

        services.AddTransient<MudLocalizer, PortalMudLocalizer>();
        services.AddSingleton<InstanceChangeNotifier>();
        services.AddSingleton<InstanceService>();
        services.AddSingleton<UserAdminService>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<VendorKeyStore>();
        services.AddSingleton<IDownloadStore, DownloadStatements>();
        services.AddSingleton<DownloadRecorder>();
        services.AddSingleton<LicenseIssuer>();
        services.AddSingleton<HostInfoIntake>();
        services.AddSingleton<HostBinding>();
        services.AddSingleton<LicenseService>();
        services.AddSingleton<DashboardService>();
        services.AddSingleton<DatabaseAvailability>();
        services.AddSingleton<HostCheckInService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<ActivationTokenService>();
        services.AddOptions<AgentDownloadOptions>().BindConfiguration(AgentDownloadOptions.Section);
        services.AddSingleton<AgentDownloads>();
        services.AddSingleton<InstanceStatusSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<InstanceStatusSweeper>());
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LicensePortal.Services.Webhooks.WebhookService>();
        services.AddSingleton<LicensePortal.Services.Webhooks.WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<LicensePortal.Services.Webhooks.WebhookDispatcher>());
        // Several nodes may share the database: carry live changes between them, by Redis when one is configured, else by
        // PostgreSQL itself. SQLite is one node.
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetSection(LiveUpdatesOptions.Section).Get<LiveUpdatesOptions>()?.Redis))
        {
            services.AddSingleton<RedisChangeRelay>();
            services.AddHostedService(sp => sp.GetRequiredService<RedisChangeRelay>());
        }
        else if (builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider == DatabaseProvider.Postgres)
        {
            services.AddSingleton<PostgresChangeRelay>();
            services.AddHostedService(sp => sp.GetRequiredService<PostgresChangeRelay>());
        }
        services.AddSingleton<DemoSeeder>();
        services.AddPortalEmail();
        return builder;
    }

    public static async Task<WebApplication> MapLicensePortalAsync(this WebApplication app)
    {
        // First: everything after sees the client's address and scheme as a known proxy reported them.
        app.UseForwardedHeaders();
        app.UseSecurityHeaders();
        app.UsePortalMetrics();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        // The caller's language from here on: the request head limits answer in it.
        app.UseRequestLocalization();
        app.UseRequestHeadLimits();
        // The portal's own assets (wwwroot-assets, copied beside the app): public, so the sign-in pages get their look too.
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot-assets")),
            RequestPath = "/assets",
        });
        app.UseApiProblems();
        app.UseDatabaseOutageAnswers();
        app.UseRequestBodyLimits();
        app.UseAuthentication();
        app.UseApiBearerUser();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAccountPageRules();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorPages();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapPortalHealthChecks();
        app.MapCultureEndpoint();
        app.MapLicenseEndpoints();
        app.MapAgentDownloadEndpoints();
        app.MapAuditEndpoints();
        app.MapPortalApi();
        app.MapOpenApi().AllowAnonymous();
        app.MapApiDocs();
        return app;
    }

    /// <summary>Sets the culture cookie and goes back: the UI language switch.</summary>
    private static void MapCultureEndpoint(this WebApplication app) =>
        app.MapGet("/culture/set", (HttpContext context, string culture, string? redirectUri) =>
        {
            if (SupportedCultures.Any(c => c.Name == culture))
            {
                context.Response.Cookies.Append(
                    CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true, Secure = context.Request.IsHttps });
            }
            return Results.LocalRedirect(IsLocalPath(redirectUri) ? redirectUri! : "/");
        }).AllowAnonymous();

    private static Task ApiOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (ApiProblems.IsApi(context.Request))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }

    /// <summary>Only a path on this site: "/x", never "//host", "/\\host" or an absolute URL (no open redirect).</summary>
    public static bool IsLocalPath(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Contains('\\', StringComparison.Ordinal)
        && !url.Any(char.IsControl);

    /// <summary>Maps any Chinese browser language to zh-Hans and anything else to English, after the cookie and query providers.</summary>
    private sealed class AcceptLanguageFallbackProvider : RequestCultureProvider
    {
        public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            var header = httpContext.Request.Headers.AcceptLanguage.ToString();
            if (string.IsNullOrWhiteSpace(header))
            {
                return NullProviderCultureResult;
            }
            var first = header.Split(',')[0].Split(';')[0].Trim();
            var culture = first.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "zh-Hans" : "en";
            return Task.FromResult<ProviderCultureResult?>(new ProviderCultureResult(culture));
        }
    }
}
