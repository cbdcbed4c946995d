using LicensePortal.Data;
using LicensePortal.Options;
using LicensePortal.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LicensePortal.Accounts;

/// <summary>First run: migrations, the three roles, and the first administrator when there is none.</summary>
public static class FirstRunSetup
{
    public static async Task RunAsync(IServiceProvider services, TextWriter console, CancellationToken cancellationToken = default)
    {
        await DatabaseSetup.MigrateAsync(services, cancellationToken);
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<PortalRole>>();
        foreach (var (name, description, permissions) in PortalRole.BuiltIn)
        {
            var role = await roles.FindByNameAsync(name);
            if (role is null)
            {
                Check(await roles.CreateAsync(new PortalRole(name) { Description = description, Permissions = permissions }), $"create role {name}");
            }
            else if (role.Permissions != permissions || role.Description != description)
            {
                role.Permissions = permissions;
                role.Description = description;
                Check(await roles.UpdateAsync(role), $"update role {name}");
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        if ((await users.GetUsersInRoleAsync(PortalRole.Administrator)).Count > 0)
        {
            return;
        }
        var options = scope.ServiceProvider.GetRequiredService<IOptions<BootstrapOptions>>().Value;
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var existing = await users.FindByNameAsync(options.AdminUserName);
        if (existing is not null)
        {
            // An account of that name exists but no administrator does (all were demoted or deleted): promote it and
            // keep its password, which its owner knows.
            await using var promote = await db.Database.BeginTransactionAsync(cancellationToken);
            existing.IsActive = true;
            Check(await users.UpdateAsync(existing), "reactivate the bootstrap administrator");
            foreach (var role in await users.GetRolesAsync(existing))
            {
                Check(await users.RemoveFromRoleAsync(existing, role), $"remove role {role}");
            }
            Check(await users.AddToRoleAsync(existing, PortalRole.Administrator), "make the bootstrap account an administrator");
            await promote.CommitAsync(cancellationToken);
            await console.WriteLineAsync($"LicensePortal: no administrator existed; the existing account '{existing.UserName}' is now an administrator (password unchanged).");
            return;
        }

        var generated = string.IsNullOrEmpty(options.AdminPassword);
        var password = generated ? UserAdminService.GeneratePassword() : options.AdminPassword!;
        var now = time.GetUtcNow().UtcDateTime;
        var admin = new PortalUser
        {
            UserName = options.AdminUserName,
            Email = string.IsNullOrWhiteSpace(options.AdminEmail) ? null : options.AdminEmail,
            EmailConfirmed = !string.IsNullOrWhiteSpace(options.AdminEmail),
            Organization = "",
            // A generated password has been on a disk: it must be replaced at the first sign-in (AccountPages sends the
            // account to the change page; the token exchange refuses it). A configured one is the operator's choice.
            MustChangePassword = generated,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var passwordFile = BootstrapOptions.ResolvePasswordFile(options, scope.ServiceProvider.GetRequiredService<IHostEnvironment>());
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        Check(await users.CreateAsync(admin, password), "create the first administrator");
        Check(await users.AddToRoleAsync(admin, PortalRole.Administrator), "make the first administrator an administrator");
        if (generated)
        {
            // Written before the commit: if the file cannot be written, there is no account whose password nobody knows.
            WritePasswordFile(passwordFile, admin.UserName!, password);
        }
        await transaction.CommitAsync(cancellationToken);

        // Only the file's path is printed, never the password: the console ends up in journald and container logs.
        if (generated)
        {
            await console.WriteLineAsync($"""

                ================================================================
                 LicensePortal first run: administrator account created
                   user name: {admin.UserName}
                   password:  in {passwordFile} (readable only by this user)
                 Sign in, choose a new password, then delete that file.
                ================================================================

                """);
        }
        else
        {
            await console.WriteLineAsync($"LicensePortal first run: administrator '{admin.UserName}' created with the configured Bootstrap:AdminPassword.");
        }
    }

    /// <summary>The generated password in a file only the portal's user can read (0600), replacing any left from an earlier run.</summary>
    private static void WritePasswordFile(string path, string userName, string password)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        // Deleted and created anew, so the mode is the new file's own and not whatever an old file had.
        File.Delete(path);
        PrivateFile.Write(path, System.Text.Encoding.UTF8.GetBytes(
            $"LicensePortal first administrator\nuser name: {userName}\npassword: {password}\nSign in, choose a new password, then delete this file.\n"));
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"First run could not {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}
