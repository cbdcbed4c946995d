using System.Reflection;
using System.Text.RegularExpressions;
using LicensePortal.Data;
using LicensePortal.Resources;
using LicensePortal.Services;
using LicensePortal.Tests.Infrastructure;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using static LicensePortal.Tests.Infrastructure.Cultures;

namespace LicensePortal.Tests.Audit;

/// <summary>
/// Each audit action reads as one sentence in English and in Chinese, with the changed fields named in that language;
/// every action code the portal writes has its sentence, so no code reaches the audit page.
/// </summary>
public sealed partial class AuditEntriesReadAsSentences
{
    private static readonly IStringLocalizer Text =
        new ResourceManagerStringLocalizerFactory(Microsoft.Extensions.Options.Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance).Create(typeof(SharedResource));

    /// <summary>What each action stores (shaped as the services write it), and the sentence it reads as.</summary>
    public static TheoryData<string, string, string?, string?, string, string> Entries() => new()
    {
        { "instance.create", "beta-lab", null, """{"name":"beta-lab","maxImages":7}""", "acme created instance beta-lab", "acme 创建了实例 beta-lab" },
        { "instance.update", "beta-lab", """{"maxImages":0}""", """{"maxImages":7}""", "acme changed instance beta-lab", "acme 修改了实例 beta-lab" },
        { "instance.delete", "beta-lab", """{"name":"beta-lab"}""", null, "acme deleted instance beta-lab", "acme 删除了实例 beta-lab" },
        { "instance.host-identifier-tolerance", "beta-lab", """{"hostIdentifierTolerance":1}""", """{"hostIdentifierTolerance":0}""",
            "acme changed how many host identifiers a license of beta-lab may miss", "acme 修改了实例 beta-lab 的 License 允许缺失的主机标识数" },
        { "instance.reset-download-error", "beta-lab", """{"status":"DOWNLOADERROR"}""", """{"status":"TODOWNLOAD"}""", "acme lifted the download pause of beta-lab", "acme 解除了实例 beta-lab 的下载暂停" },
        { "instance.expire", "beta-lab", """{"status":"TODOWNLOAD"}""", """{"status":"EXPIRED","trigger":"sweep"}""", "acme marked beta-lab expired", "acme 将实例 beta-lab 标记为已过期" },
        { "instance.cool-down-end", "beta-lab", """{"status":"DOWNLOADERROR"}""", """{"status":"TODOWNLOAD"}""", "acme ended the download pause of beta-lab", "acme 结束了实例 beta-lab 的下载暂停" },
        { "instance.check-in", "beta-lab", null, """{"revision":3,"agentVersion":"1.2.0"}""", "acme reported the agent of beta-lab checking in", "acme 报告了实例 beta-lab 的主机代理签到" },
        { "hostinfo.upload", "beta-lab", null, """{"accepted":true,"status":"TODOWNLOAD"}""", "acme uploaded host info for beta-lab: accepted", "acme 为实例 beta-lab 上传了主机信息：已接受" },
        { "hostinfo.rejected", "beta-lab", null, """{"accepted":false,"reason":"HostInfo.OtherInstance","status":"INFOERROR"}""",
            "acme uploaded host info for beta-lab: refused, made for another instance", "acme 为实例 beta-lab 上传了主机信息：被拒绝，属于其他实例" },
        { "hostinfo.rebind-requested", "beta-lab", null, """{"pendingMac":"52:54:00:00:00:02"}""",
            "acme uploaded host info of another host for beta-lab: waiting for an administrator", "acme 为实例 beta-lab 上传了另一台主机的主机信息：等待管理员审批" },
        { "hostinfo.rebind-approved", "beta-lab", null, null, "acme approved moving beta-lab to its new host", "acme 批准将实例 beta-lab 迁移到新主机" },
        { "hostinfo.rebind-denied", "beta-lab", null, null, "acme turned down moving beta-lab to a new host", "acme 拒绝将实例 beta-lab 迁移到新主机" },
        { "hostinfo.rebind-automatic", "beta-lab", null, null,
            "acme uploaded host info of another host for beta-lab: moved by the rebind policy", "acme 为实例 beta-lab 上传了另一台主机的主机信息：已按迁移策略自动迁移" },
        { "license.generate", "beta-lab", null, """{"revision":2,"new":true}""", "acme downloaded a new license for beta-lab (revision 2)", "acme 下载了实例 beta-lab 的新 License（第 2 版）" },
        { "license.download", "beta-lab", null, """{"revision":2,"new":false,"byStaff":true}""",
            "acme downloaded the license of beta-lab (revision 2) (vendor staff: not counted)", "acme 下载了实例 beta-lab 的 License（第 2 版） （厂商人员：不计入次数）" },
        { "license.refused", "beta-lab", """{"status":"TODOWNLOAD"}""", """{"status":"DOWNLOADERROR","reason":"License.TooManyDownloads"}""",
            "acme was refused a license for beta-lab: too many downloads in a short time", "acme 下载实例 beta-lab 的 License 被拒绝：短时间内下载次数过多" },
        { "user.create", "cust", null, """{"userName":"cust","role":"User"}""", "acme created account cust", "acme 创建了账户 cust" },
        { "user.update", "cust", """{"email":"a@example.com"}""", """{"email":"b@example.com"}""", "acme changed account cust", "acme 修改了账户 cust" },
        { "user.activate", "cust", """{"isActive":false}""", """{"isActive":true}""", "acme activated account cust", "acme 启用了账户 cust" },
        { "user.deactivate", "cust", """{"isActive":true}""", """{"isActive":false}""", "acme deactivated account cust", "acme 停用了账户 cust" },
        { "user.delete", "cust", """{"userName":"cust"}""", null, "acme deleted account cust", "acme 删除了账户 cust" },
        { "user.email-confirmed", "cust", """{"confirmed":false}""", """{"confirmed":true}""", "acme confirmed the e-mail address of account cust", "acme 确认了账户 cust 的邮箱地址" },
        { "user.confirmation-link-sent", "cust", null, """{"to":"cust@customer.example"}""", "acme sent account cust its e-mail confirmation link again", "acme 重新向账户 cust 发送了邮箱确认链接" },
        { "token.create", "t-1", null, """{"tokenId":"t-1","name":"ci"}""", "acme created API token “ci” (t-1)", "acme 创建了 API 令牌“ci”（t-1）" },
        { "token.revoke", "t-1", """{"revoked":false}""", """{"revoked":true}""", "acme revoked API token t-1", "acme 吊销了 API 令牌 t-1" },
        { "activationtoken.create", "a-1", null, """{"tokenId":"a-1","instance":"beta-lab"}""", "acme created an activation token for beta-lab (a-1)", "acme 为实例 beta-lab 创建了激活令牌（a-1）" },
        { "activationtoken.revoke", "a-1", """{"instance":"beta-lab","revoked":false}""", """{"instance":"beta-lab","revoked":true}""",
            "acme revoked an activation token of beta-lab (a-1)", "acme 吊销了实例 beta-lab 的激活令牌（a-1）" },
        { "vendorkey.add", "k-2", """{"currentKeyId":"k-1"}""", """{"currentKeyId":"k-2"}""", "acme added signing key k-2", "acme 添加了签名密钥 k-2" },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Each_action_reads_as_one_sentence_in_english_and_in_chinese(string action, string target, string? before, string? after, string english, string chinese)
    {
        var row = new AuditRow(1, DateTime.UtcNow, "acme", "127.0.0.1", action, action.StartsWith("activationtoken", StringComparison.Ordinal) ? "token" : action[..action.IndexOf('.')], target, before, after);
        Assert.Equal(english, InCulture("en", () => AuditSentences.Describe(row, Text).Sentence));
        Assert.Equal(chinese, InCulture("zh-CN", () => AuditSentences.Describe(row, Text).Sentence));
    }

    [Fact]
    public void Changed_fields_show_their_names_and_values_in_the_viewers_language()
    {
        var before = AuditLog.InstanceState(new Instance { Name = "beta-lab", MaxImages = 0, Status = InstanceStatus.TOUPLOAD, ExpiresOn = new DateOnly(2030, 1, 1) });
        var after = AuditLog.InstanceState(new Instance { Name = "beta-lab", MaxImages = 7, Status = InstanceStatus.TODOWNLOAD, ExpiresOn = new DateOnly(2030, 1, 1) });
        var row = AuditRowOf(AuditLog.Create(PortalActor.System, DateTime.UtcNow, "instance.update", "instance", "beta-lab", before, after));

        var english = InCulture("en", () => AuditSentences.Describe(row, Text));
        Assert.Equal("The portal changed instance beta-lab", english.Sentence);
        Assert.Equal(["Max images 0 → 7", "Status Host info not uploaded → Latest license ready"], english.Changes.Select(c => $"{c.Field} {c.Before} → {c.After}"));
        var chinese = InCulture("zh-CN", () => AuditSentences.Describe(row, Text));
        Assert.Equal("门户 修改了实例 beta-lab", chinese.Sentence);
        Assert.Equal(["最大镜像数 0 → 7", "状态 未上传主机信息 → 可下载最新 License"], chinese.Changes.Select(c => $"{c.Field} {c.Before} → {c.After}"));
    }

    [Fact]
    public void Every_action_code_the_portal_writes_has_a_sentence_and_a_name_in_both_languages()
    {
        var written = WrittenActionCodes();
        Assert.NotEmpty(written);
        var missing = written.Except(AuditSentences.Actions).ToList();
        Assert.True(missing.Count == 0, "Audit actions without a sentence (add them to AuditSentences.Actions and the resx files): " + string.Join(", ", missing));
        foreach (var culture in new[] { "en", "zh-CN" })
        {
            InCulture(culture, () =>
            {
                foreach (var action in AuditSentences.Actions)
                {
                    Assert.False(Text["Audit.Sentence." + action].ResourceNotFound, $"{culture}: no sentence for {action}");
                    Assert.False(Text["Audit.ActionName." + action].ResourceNotFound, $"{culture}: no name for {action}");
                    var sentence = AuditSentences.Describe(new AuditRow(1, DateTime.UtcNow, "acme", "", action, "instance", "x", "{}", "{}"), Text).Sentence;
                    Assert.DoesNotContain(action, sentence, StringComparison.Ordinal);
                    Assert.DoesNotContain("{", sentence, StringComparison.Ordinal);
                }
                foreach (var type in AuditSentences.TargetTypes)
                {
                    Assert.False(Text["Audit.TargetTypeName." + type].ResourceNotFound, $"{culture}: no name for target type {type}");
                }
                foreach (var reason in AuditSentences.ReasonCodes)
                {
                    Assert.False(Text["Audit.Reason." + reason].ResourceNotFound, $"{culture}: no phrase for reason {reason}");
                }
                return 0;
            });
        }
    }

    [Fact]
    public void An_unknown_action_still_reads_as_a_sentence_without_its_code()
    {
        var row = new AuditRow(1, DateTime.UtcNow, "acme", "", "instance.something-new", "instance", "beta-lab", null, null);
        Assert.Equal("acme changed Instance beta-lab", InCulture("en", () => AuditSentences.Describe(row, Text).Sentence));
        Assert.Equal("Other change", InCulture("en", () => AuditSentences.ActionName("instance.something-new", Text)));
    }

    /// <summary>
    /// The action codes in the portal's source: string literals shaped like one ("instance.update") and the services'
    /// constants holding one. Grepping the source catches a new <c>AuditLog.Add(..., "x.y", ...)</c> the day it is written.
    /// </summary>
    private static HashSet<string> WrittenActionCodes()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var source = Path.Combine(PortalProcess.RepositoryRoot(), "LicensePortal");
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.EndsWith("AuditSentences.cs", StringComparison.Ordinal)
                                 // Webhook event types (hostinfo.accepted, license.issued, ...) look like action codes but are not audited.
                                 && !f.EndsWith("WebhookEvents.cs", StringComparison.Ordinal)))
        {
            foreach (Match m in ActionLiteral().Matches(File.ReadAllText(file)))
            {
                codes.Add(m.Groups[1].Value);
            }
        }
        foreach (var type in typeof(AuditLog).Assembly.GetTypes().Where(t => t.Namespace == "LicensePortal.Services"))
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)))
            {
                if (field.GetRawConstantValue() is string value && ActionCode().IsMatch(value))
                {
                    codes.Add(value);
                }
            }
        }
        // Literals shaped like a code that are not one: the host info file's name.
        codes.Remove("hostinfo.txt");
        return codes;
    }

    [GeneratedRegex("\"((?:instance|user|license|hostinfo|token|activationtoken|vendorkey)\\.[a-z][a-z-]*)\"")]
    private static partial Regex ActionLiteral();

    [GeneratedRegex("^(?:instance|user|license|hostinfo|token|activationtoken|vendorkey)\\.[a-z][a-z-]*$")]
    private static partial Regex ActionCode();

    private static AuditRow AuditRowOf(AuditEntry e) => new(e.Id, e.At, e.ActorUserName, e.RemoteAddress, e.Action, e.TargetType, e.TargetKey, e.Before, e.After);
}
