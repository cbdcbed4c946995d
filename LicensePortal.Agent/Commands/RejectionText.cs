using System.Globalization;
using LicensePortal.Licensing;

namespace LicensePortal.Agent.Commands;

/// <summary>
/// A license rejection in the user's language: Simplified Chinese for a Chinese user (see <see cref="UserLanguage"/>),
/// otherwise English. The reason code stays in the text, unchanged, for scripts.
/// </summary>
internal static class RejectionText
{
    public static string For(LicenseVerificationResult result, bool chinese) =>
        chinese
            ? $"License 被拒绝（{result.Code}）：{Chinese(result)}"
            : $"license rejected ({result.Code}): {result.Message}";

    private static string Chinese(LicenseVerificationResult result) => result.Code switch
    {
        LicenseErrorCode.Empty => "License 文件为空。",
        LicenseErrorCode.TooLarge => "License 文件超过 64 KiB。",
        LicenseErrorCode.NotText => "License 文件不是 UTF-8 文本。",
        LicenseErrorCode.Truncated => "License 文件不完整（被截断）。",
        LicenseErrorCode.Malformed => "License 文件格式错误或已损坏。",
        LicenseErrorCode.UnsupportedVersion => "不支持此 License 格式版本。",
        LicenseErrorCode.UnknownRootKey => "License 的签名密钥不是由本主机信任的厂商根密钥认证的。",
        LicenseErrorCode.NotForThisHost => "此 License 是为另一台主机的密钥签发的，或已损坏。",
        LicenseErrorCode.BadSignature => "厂商签名校验失败。",
        LicenseErrorCode.HostMismatch => "本主机的硬件标识（网卡 MAC、序列号、UUID、machine-id）与 License 记录的相符数量不足：License 属于另一台主机。",
        LicenseErrorCode.Expired => string.Create(CultureInfo.InvariantCulture, $"License 已于 {result.Content?.ExpiresOn:yyyy-MM-dd} 过期。"),
        LicenseErrorCode.IssuedInFuture => "License 的签发时间晚于本机当前时间超过 5 分钟：请检查系统时钟。",
        LicenseErrorCode.OlderThanInstalled => "此 License 比本主机已安装过的版本旧：不能用旧文件替换。",
        LicenseErrorCode.BadCertificate => "License 携带的签名密钥证书无效（不是由受信任的根密钥签发）。",
        LicenseErrorCode.CertificateExpired => "License 的签发时间不在其签名密钥证书的有效期内。",
        LicenseErrorCode.ClockWoundBack => "系统时钟比本主机已确认过的时间早 24 小时以上：时钟被调回。",
        _ => result.Message,
    };
}

/// <summary>
/// Whether the user reads Simplified Chinese. The agent runs with invariant globalization (no ICU to load at every start,
/// see LicensePortal.Agent.csproj), so its own UI culture is always the invariant one and the user's language comes from
/// the POSIX locale variables, first set of LC_ALL, LC_MESSAGES, LANG (zh_CN.UTF-8, zh_TW, ...). A host that sets a
/// culture itself (the agent loaded in-process, as the tests do) is followed instead.
/// </summary>
internal static class UserLanguage
{
    private static readonly string[] LocaleVariables = ["LC_ALL", "LC_MESSAGES", "LANG"];

    public static bool IsChinese()
    {
        var culture = CultureInfo.CurrentUICulture.Name;
        if (culture.Length > 0)
        {
            return culture.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
        }

        var locale = LocaleVariables.Select(Environment.GetEnvironmentVariable).FirstOrDefault(value => !string.IsNullOrEmpty(value));
        return locale is not null && locale.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
    }
}
