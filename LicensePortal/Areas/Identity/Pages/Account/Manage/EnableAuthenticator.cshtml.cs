using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using LicensePortal.Data;
using LicensePortal.Resources;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using QRCoder;

namespace LicensePortal.Areas.Identity.Pages.Account.Manage;

/// <summary>
/// Turning on two-factor sign-in with an authenticator app. Adapted from Identity's default UI page (V5
/// EnableAuthenticator, MIT), which builds the otpauth URI from the e-mail and answers 500 for accounts without one (the
/// first administrator has none) and leaves the QR code to an outside script. Here the label is the user name, the
/// issuer the portal, and the QR code an SVG drawn on the server; the texts are the portal's, in both languages.
/// </summary>
[Authorize]
public sealed class EnableAuthenticatorModel(UserManager<PortalUser> userManager, IStringLocalizer<SharedResource> text, ILogger<EnableAuthenticatorModel> logger) : PageModel
{
    /// <summary>The issuer authenticator apps show beside the account.</summary>
    public const string Issuer = "LicensePortal";

    public string SharedKey { get; private set; } = "";

    public string AuthenticatorUri { get; private set; } = "";

    /// <summary>The QR code of <see cref="AuthenticatorUri"/>, as an inline SVG element (no outside script or host).</summary>
    public string QrCodeSvg { get; private set; } = "";

    [TempData]
    public string[]? RecoveryCodes { get; set; }

    [TempData]
    public string? StatusMessage { get; set; }

    [BindProperty]
    public CodeInput Input { get; set; } = new();

    public sealed class CodeInput
    {
        [Required(ErrorMessage = "TwoFactor.CodeInvalid"), StringLength(7, MinimumLength = 6, ErrorMessage = "TwoFactor.CodeInvalid")]
        public string Code { get; set; } = "";
    }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null)
        {
            return NotFound();
        }
        await LoadSharedKeyAndQrCodeAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await userManager.GetUserAsync(User);
        if (user is null)
        {
            return NotFound();
        }
        if (!ModelState.IsValid)
        {
            ModelState.Clear();
            ModelState.AddModelError("Input.Code", text["TwoFactor.CodeInvalid"]);
            await LoadSharedKeyAndQrCodeAsync(user);
            return Page();
        }

        // Apps show the code as "123 456" or "123-456".
        var code = Input.Code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!await userManager.VerifyTwoFactorTokenAsync(user, userManager.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            ModelState.AddModelError("Input.Code", text["TwoFactor.CodeInvalid"]);
            await LoadSharedKeyAndQrCodeAsync(user);
            return Page();
        }

        await userManager.SetTwoFactorEnabledAsync(user, true);
        logger.LogInformation("{UserName} turned on two-factor sign-in with an authenticator app", user.UserName);
        StatusMessage = text["TwoFactor.Verified"];
        if (await userManager.CountRecoveryCodesAsync(user) == 0)
        {
            RecoveryCodes = (await userManager.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))?.ToArray();
            return RedirectToPage("./ShowRecoveryCodes");
        }
        return RedirectToPage("./TwoFactorAuthentication");
    }

    private async Task LoadSharedKeyAndQrCodeAsync(PortalUser user)
    {
        var key = await userManager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await userManager.ResetAuthenticatorKeyAsync(user);
            key = await userManager.GetAuthenticatorKeyAsync(user) ?? "";
        }
        SharedKey = FormatKey(key);
        AuthenticatorUri = OtpAuthUri(user.UserName ?? "", key);
        QrCodeSvg = QrSvg(AuthenticatorUri);
    }

    /// <summary>
    /// The otpauth URI authenticator apps read (Key Uri Format): the label "LicensePortal:user name", every account has a
    /// user name, not every one an e-mail.
    /// </summary>
    public static string OtpAuthUri(string userName, string key) => string.Create(CultureInfo.InvariantCulture,
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(userName)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6");

    private static string QrSvg(string payload)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.Q);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(4);
    }

    /// <summary>The key in groups of four, lower case, as the default UI shows it (apps ignore spaces and case).</summary>
    private static string FormatKey(string key)
    {
        var result = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            result.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }
        return result.ToString().TrimEnd().ToLowerInvariant();
    }
}
