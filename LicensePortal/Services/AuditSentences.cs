using System.Globalization;
using System.Text.Json;
using LicensePortal.Licensing;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Services;

/// <summary>One changed field of an audit entry, ready to show: "Max images 0 → 7".</summary>
public sealed record AuditChange(string Field, string Before, string After);

/// <summary>An audit entry as a reader sees it: one sentence in the viewer's language and the fields it changed.</summary>
public sealed record AuditLine(string Sentence, IReadOnlyList<AuditChange> Changes);

/// <summary>
/// Turns stored audit entries (action codes, JSON snapshots) into sentences in the viewer's language. The stored codes
/// and JSON stay as they are (the CSV export and the filters use them); only what is shown is made here. Every action
/// the portal writes is in <see cref="Actions"/>: an unknown one still reads as a sentence, never as its code.
/// </summary>
public static class AuditSentences
{
    /// <summary>Every action code the portal writes, in the order the filter lists them.</summary>
    public static IReadOnlyList<string> Actions { get; } =
    [
        "instance.create", "instance.update", "instance.delete", AuditLog.ToleranceChanged, "instance.reset-download-error",
        AuditLog.InstanceExpire, AuditLog.InstanceCoolDownEnd, HostCheckInService.AuditAction,
        "hostinfo.upload", "hostinfo.rejected", AuditLog.RebindRequested, AuditLog.RebindApproved, AuditLog.RebindDenied, AuditLog.RebindAutomatic,
        "license.generate", "license.download", "license.refused",
        "user.create", "user.update", "user.activate", "user.deactivate", "user.delete", AuditLog.EmailConfirmed, AuditLog.ConfirmationLinkSentAgain,
        "token.create", "token.revoke", "activationtoken.create", "activationtoken.revoke",
        "vendorkey.add",
        AuditLog.UserImport, AuditLog.InstanceImport,
        "webhook.create", "webhook.update", "webhook.delete",
    ];

    /// <summary>The target types the portal writes.</summary>
    public static IReadOnlyList<string> TargetTypes { get; } = ["instance", "user", "token", "vendorkey", "webhook"];

    /// <summary>The fields shown as changes, with the text key of their name. Others (ids, keys, the trigger) stay in the details.</summary>
    private static readonly Dictionary<string, string> FieldNames = new(StringComparer.Ordinal)
    {
        ["name"] = "Instance.Name",
        ["maxDesktops"] = "Instance.MaxDesktops",
        ["maxImages"] = "Instance.MaxImages",
        ["maxUsers"] = "Instance.MaxUsers",
        ["maxVcpus"] = "Instance.MaxVcpus",
        ["maxVmemGib"] = "Instance.MaxVmemGib",
        ["maxVdiskGib"] = "Instance.MaxVdiskGib",
        ["expiresOn"] = "Instance.ExpiresOn",
        ["status"] = "Instance.Status",
        ["statusReason"] = "Audit.Field.StatusReason",
        ["mac"] = "Audit.Field.Mac",
        ["serialNumber"] = "HostInfo.Serial",
        ["hostKeyFingerprint"] = "HostInfo.Fingerprint",
        ["hostIdentifiers"] = "Audit.Field.HostIdentifiers",
        ["pendingHostKeyFingerprint"] = "Audit.Field.PendingHostKeyFingerprint",
        ["pendingMac"] = "Audit.Field.PendingMac",
        ["pendingSerialNumber"] = "Audit.Field.PendingSerialNumber",
        ["pendingHostIdentifiers"] = "Audit.Field.PendingHostIdentifiers",
        ["pendingHostBy"] = "Audit.Field.PendingHostBy",
        ["hostIdentifierTolerance"] = "Audit.Field.HostIdentifierTolerance",
        ["userName"] = "User.UserName",
        ["email"] = "User.Email",
        ["phone"] = "User.Phone",
        ["organization"] = "User.Organization",
        ["osAuthUrl"] = "User.OsAuthUrl",
        ["role"] = "User.Role",
        ["isActive"] = "User.IsActive",
        ["confirmed"] = "User.Confirmed",
        ["revision"] = "License.Revision",
        ["vendorKeyId"] = "License.KeyId",
        ["currentKeyId"] = "License.KeyId",
        ["address"] = "Audit.Address",
        ["expiresAt"] = "Audit.Field.ExpiresAt",
        ["revoked"] = "Audit.Field.Revoked",
        ["agentVersion"] = "Audit.Field.AgentVersion",
        ["url"] = "Webhook.Url",
        ["events"] = "Webhook.Events",
        ["description"] = "Webhook.Description",
    };

    /// <summary>The action's name for the filter, e.g. "Host info refused".</summary>
    public static string ActionName(string action, IStringLocalizer text) =>
        Known(text, "Audit.ActionName." + action) ?? text["Audit.ActionName.Other"];

    /// <summary>The target type's name for the filter and the table, e.g. "Instance".</summary>
    public static string TargetTypeName(string targetType, IStringLocalizer text) =>
        Known(text, "Audit.TargetTypeName." + targetType) ?? text["Audit.TargetTypeName.Other"];

    public static AuditLine Describe(AuditRow row, IStringLocalizer text)
    {
        var before = Parse(row.Before);
        var after = Parse(row.After);
        var actor = row.ActorUserName == PortalActor.System.UserName || row.ActorUserName.Length == 0 ? text["Audit.ThePortal"].Value : row.ActorUserName;
        var detail = Detail(row.Action, before, after, text);
        var sentence = Known(text, "Audit.Sentence." + row.Action) is { } known
            ? string.Format(CultureInfo.CurrentCulture, known, actor, row.TargetKey, detail)
            : string.Format(CultureInfo.CurrentCulture, text["Audit.Sentence.Other"], actor, row.TargetKey, TargetTypeName(row.TargetType, text));
        if (Text(after, "byStaff") == "true")
        {
            sentence += " " + text["Audit.ByStaff"];
        }
        return new AuditLine(sentence, Changes(before, after, text));
    }

    /// <summary>The part of the sentence that depends on the entry: a revision, a reason, the token's instance or name.</summary>
    private static string Detail(string action, JsonElement? before, JsonElement? after, IStringLocalizer text) => action switch
    {
        "license.generate" or "license.download" => Text(after, "revision") ?? "",
        "license.refused" or "hostinfo.rejected" => Reason(Text(after, "reason"), text),
        "activationtoken.create" or "activationtoken.revoke" => Text(after, "instance") ?? Text(before, "instance") ?? "",
        "token.create" => Text(after, "name") ?? "",
        _ => "",
    };

    /// <summary>A stored reason code (a text key such as "HostInfo.OtherInstance") as a short phrase: "made for another instance".</summary>
    public static string Reason(string? code, IStringLocalizer text) =>
        string.IsNullOrEmpty(code) ? "" : Known(text, "Audit.Reason." + code) ?? text["Audit.Reason.Other"];

    /// <summary>The reason codes the portal stores: each has a phrase.</summary>
    public static IEnumerable<string> ReasonCodes =>
        Enum.GetNames<HostInfoErrorCode>().Select(n => "HostInfo." + n)
            .Concat(["HostInfo.OtherInstance", InstanceLifecycle.TooManyDownloads, "License.NoHostInfo", "License.HostInfoInvalid", "License.Expired"]);

    private static List<AuditChange> Changes(JsonElement? before, JsonElement? after, IStringLocalizer text)
    {
        var names = new List<string>();
        foreach (var side in new[] { after, before })
        {
            if (side is { ValueKind: JsonValueKind.Object } o)
            {
                names.AddRange(o.EnumerateObject().Select(p => p.Name).Where(n => FieldNames.ContainsKey(n) && !names.Contains(n)));
            }
        }
        var changes = new List<AuditChange>();
        foreach (var name in names)
        {
            // Compared as shown: an empty field and a missing one both read "—" and are no change.
            var was = Value(name, Text(before, name), text);
            var now = Value(name, Text(after, name), text);
            if (!string.Equals(was, now, StringComparison.Ordinal))
            {
                changes.Add(new AuditChange(text[FieldNames[name]], was, now));
            }
        }
        return changes;
    }

    private static string Value(string field, string? value, IStringLocalizer text) => value switch
    {
        null or "" => "—",
        "true" => text["Common.Yes"],
        "false" => text["Common.No"],
        _ when field == "status" => Known(text, "Status." + value) ?? value,
        _ when field == "statusReason" => Reason(value, text),
        _ when field == "role" => Known(text, "Role." + value) ?? value,
        _ => value,
    };

    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null; // the details toggle still shows the raw text
        }
    }

    private static string? Text(JsonElement? element, string name)
    {
        if (element is not { ValueKind: JsonValueKind.Object } o || !o.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        };
    }

    private static string? Known(IStringLocalizer text, string key)
    {
        var found = text[key];
        return found.ResourceNotFound ? null : found.Value;
    }
}
