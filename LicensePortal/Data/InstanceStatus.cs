namespace LicensePortal.Data;

/// <summary>The seed's five instance states; stored by name, as the seed stored them.</summary>
public enum InstanceStatus
{
    /// <summary>未上传主机信息: waiting for host info.</summary>
    TOUPLOAD,
    /// <summary>主机信息被篡改: the uploaded host info failed its checks.</summary>
    INFOERROR,
    /// <summary>可下载最新 License: a license can be downloaded.</summary>
    TODOWNLOAD,
    /// <summary>下载异常: too many downloads in a short window, or generation failed.</summary>
    DOWNLOADERROR,
    /// <summary>实例已过期: the expiry date has passed.</summary>
    EXPIRED,
}
