using System.CommandLine;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary><c>check --desktops N --images N --users N --vcpus N --vmem N --vdisk N</c>: usage against the installed license.</summary>
public static class CheckCommand
{
    /// <summary>The exit code bit of each quota (added to <see cref="ExitCodes.QuotaBase"/>).</summary>
    /// <param name="kind">The quota.</param>
    /// <returns>Its bit.</returns>
    public static int QuotaBit(QuotaKind kind) => 1 << ((int)kind - 1);

    /// <summary>How far the clock must have moved past the trusted time before a check records it.</summary>
    public static readonly TimeSpan TrustedTimeStep = TimeSpan.FromMinutes(1);

    /// <summary>Creates the command.</summary>
    /// <param name="context">Writers and environment.</param>
    /// <returns>The command.</returns>
    public static Command Create(AgentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stateDir = CommonOptions.StateDir();
        var desktops = Usage("--desktops", "Concurrent desktops in use.");
        var images = Usage("--images", "Images in use.");
        var users = Usage("--users", "Concurrent users.");
        var vcpus = Usage("--vcpus", "Virtual CPUs in use.");
        var vmem = Usage("--vmem", "Virtual memory in use, GiB.");
        var vdisk = Usage("--vdisk", "Virtual disk in use, GiB.");
        var command = new Command(
            "check",
            "Check usage against the installed license. Exit 0 if within the license; 10 if expired; otherwise 64 + sum of exceeded quotas: " +
            "1 desktops, 2 images, 4 users, 8 vcpus, 16 vmem, 32 vdisk; 3 if the installed license is not valid for this host; 4 if none is installed; " +
            "5 if it is older than one installed before; 6 if the clock was set back; 7 if it was issued in the future; " +
            "8 if too few of its hardware identifiers are still on this host.")
        {
            stateDir, desktops, images, users, vcpus, vmem, vdisk,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var root = TrustAnchor.Require(context.Environment);
            var state = new AgentState(parse.GetRequiredValue(stateDir));
            var text = state.ReadInstalledLicense()
                ?? throw new AgentException(ExitCodes.NotSetUp, $"No license is installed in {state.Directory}: run 'licenseportal-agent install --license FILE'.");
            var hostKey = state.LoadHostKey();
            var identity = CommonOptions.ReadIdentity(context.Environment);
            var now = context.Environment.Time.GetUtcNow();
            var highWater = state.ReadHighWater();
            var result = LicenseVerifier.Verify(text, hostKey, root, identity, now, highWater);
            if (result.Content is null || (!result.IsValid && result.Code != LicenseErrorCode.Expired))
            {
                throw new AgentException(RejectionExitCodes.For(result.Code), LicenseOutput.Rejection(result));
            }

            // A check the license passed (or failed only by expiry) is a clock reading this host trusts from now on.
            // Written at most once a minute, so frequent checks stay cheap.
            if (now > highWater.TrustedTime + TrustedTimeStep)
            {
                state.SaveHighWater(highWater.Raise(now));
            }

            var usage = new QuotaUsage(parse.GetValue(desktops), parse.GetValue(images), parse.GetValue(users), parse.GetValue(vcpus), parse.GetValue(vmem), parse.GetValue(vdisk));
            var check = QuotaCheck.Check(result.Content, usage, now);
            foreach (var violation in check.Exceeded)
            {
                context.Err.WriteLine(violation.Message);
            }

            if (check.Expired)
            {
                context.Err.WriteLine(check.ExpiredMessage);
                return ExitCodes.Expired;
            }

            if (check.Exceeded.Count > 0)
            {
                return ExitCodes.QuotaBase + check.Exceeded.Sum(v => QuotaBit(v.Kind));
            }

            context.Out.WriteLine($"Within license: instance '{result.Content.InstanceName}' revision {result.Content.Revision}, valid through {result.Content.ExpiresOn:yyyy-MM-dd}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Option<long> Usage(string name, string description)
    {
        var option = new Option<long>(name) { Description = description, DefaultValueFactory = _ => 0 };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 0)
            {
                result.AddError($"{name} must not be negative.");
            }
        });
        return option;
    }
}
