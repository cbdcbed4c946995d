using LicensePortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LicensePortal.Services;

/// <summary>
/// What an account change must pass beyond the field rules of <see cref="UserRules"/>, which need the stored accounts:
/// user name and e-mail unique, never without an active administrator. And Identity's own refusals, as the same field errors.
/// </summary>
internal static class UserChecks
{
    /// <summary>The input as it is checked and stored: trimmed, blank optional fields as none, a phone number in E.164.</summary>
    public static UserInput Clean(UserInput input) => input with
    {
        UserName = input.UserName?.Trim() ?? "",
        Email = string.IsNullOrWhiteSpace(input.Email) ? null : input.Email.Trim(),
        // A number that is not one stays as typed, for UserRules.Validate to refuse.
        Phone = string.IsNullOrWhiteSpace(input.Phone) ? null : UserRules.StoredPhone(input.Phone) ?? input.Phone.Trim(),
        Organization = input.Organization?.Trim() ?? "",
        OsAuthUrl = input.OsAuthUrl?.Trim() ?? "",
    };

    /// <summary>The errors of a new account's (already cleaned) input.</summary>
    public static async Task<List<FieldError>> CreateErrorsAsync(UserManager<PortalUser> users, UserInput input)
    {
        var errors = UserRules.Validate(input).ToList();
        if (input.Language is not null && !LicensePortal.Email.MailCultures.IsSupported(input.Language))
        {
            errors.Add(new FieldError(nameof(UserInput.Language), "Error.UnknownLanguage"));
        }
        if (UserRules.Unstorable(input).Count > 0)
        {
            return errors; // not a text to look up
        }
        errors.AddRange(await UniquenessErrorsAsync(users, input, exceptId: null));
        return errors;
    }

    /// <summary>
    /// The errors of changing account <paramref name="id"/>, now in <paramref name="currentRole"/>, to the (already cleaned)
    /// input. The last active administrator may not lose the role or be deactivated; that is asked only of otherwise valid input.
    /// </summary>
    public static async Task<List<FieldError>> UpdateErrorsAsync(UserManager<PortalUser> users, AppDbContext db, string id, string currentRole, UserInput input, CancellationToken cancellationToken)
    {
        var errors = UserRules.Validate(input).ToList();
        if (input.Language is not null && !LicensePortal.Email.MailCultures.IsSupported(input.Language))
        {
            errors.Add(new FieldError(nameof(UserInput.Language), "Error.UnknownLanguage"));
        }
        if (UserRules.Unstorable(input).Count > 0)
        {
            return errors; // not a text to look up
        }
        errors.AddRange(await UniquenessErrorsAsync(users, input, exceptId: id));
        if (errors.Count == 0 && currentRole == PortalRole.Administrator && (input.Role != PortalRole.Administrator || !input.IsActive)
            && !await AnotherActiveAdministratorExistsAsync(db, id, cancellationToken))
        {
            errors.Add(new FieldError(nameof(UserInput.Role), "Error.LastAdministrator"));
        }
        return errors;
    }

    public static async Task<bool> AnotherActiveAdministratorExistsAsync(AppDbContext db, string exceptId, CancellationToken cancellationToken)
    {
        var adminRoleId = await db.Roles.Where(r => r.Name == PortalRole.Administrator).Select(r => r.Id).FirstAsync(cancellationToken);
        return await db.UserRoles.Where(ur => ur.RoleId == adminRoleId && ur.UserId != exceptId)
            .Join(db.Users.Where(u => u.IsActive), ur => ur.UserId, u => u.Id, (ur, u) => u.Id)
            .AnyAsync(cancellationToken);
    }

    /// <summary>Identity's refusal (a race on a unique name, its password policy) as the fields and codes the forms show.</summary>
    public static List<FieldError> MapIdentityErrors(IdentityResult result) => result.Errors.Select(e => e.Code switch
    {
        "DuplicateUserName" => new FieldError(nameof(UserInput.UserName), "Error.DuplicateUserName"),
        "InvalidUserName" => new FieldError(nameof(UserInput.UserName), "Error.UserNameChars"),
        "DuplicateEmail" => new FieldError(nameof(UserInput.Email), "Error.DuplicateEmail"),
        "InvalidEmail" => new FieldError(nameof(UserInput.Email), "Error.EmailFormat"),
        var code when code.StartsWith("Password", StringComparison.Ordinal) => new FieldError("Password", "Error.PasswordPolicy", e.Description),
        _ => new FieldError("", "Error.Unexpected", e.Description),
    }).ToList();

    private static async Task<List<FieldError>> UniquenessErrorsAsync(UserManager<PortalUser> users, UserInput input, string? exceptId)
    {
        var errors = new List<FieldError>();
        if (!string.IsNullOrEmpty(input.UserName) && await users.FindByNameAsync(input.UserName) is { } byName && byName.Id != exceptId)
        {
            errors.Add(new FieldError(nameof(UserInput.UserName), "Error.DuplicateUserName"));
        }
        if (!string.IsNullOrEmpty(input.Email) && await users.FindByEmailAsync(input.Email) is { } byEmail && byEmail.Id != exceptId)
        {
            errors.Add(new FieldError(nameof(UserInput.Email), "Error.DuplicateEmail"));
        }
        return errors;
    }
}
