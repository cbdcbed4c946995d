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

        var password = string.IsNullOrEmpty(options.AdminPassword) ? UserAdminService.GeneratePassword() : options.AdminPassword;
        var now = time.GetUtcNow().UtcDateTime;
        var admin = new PortalUser
        {
            UserName = options.AdminUserName,
            Email = string.IsNullOrWhiteSpace(options.AdminEmail) ? null : options.AdminEmail,
            EmailConfirmed = !string.IsNullOrWhiteSpace(options.AdminEmail),
            Organization = "",
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        Check(await users.CreateAsync(admin, password), "create the first administrator");
        Check(await users.AddToRoleAsync(admin, PortalRole.Administrator), "make the first administrator an administrator");
        await transaction.CommitAsync(cancellationToken);

        // Printed to the console once, never logged: the log may be shipped elsewhere.
        if (string.IsNullOrEmpty(options.AdminPassword))
        {
            await console.WriteLineAsync($"""

                ================================================================
                 LicensePortal first run: administrator account created
                   user name: {admin.UserName}
                   password:  {password}
                 This password is shown only once. Sign in and change it.
                ================================================================

                """);
        }
        else
        {
            await console.WriteLineAsync($"LicensePortal first run: administrator '{admin.UserName}' created with the configured Bootstrap:AdminPassword.");
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"First run could not {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}
