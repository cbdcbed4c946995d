using LicensePortal.Data;

namespace LicensePortal.Services;

/// <summary>What became of an uploaded host info file: accepted (TODOWNLOAD, or EXPIRED if the instance is) or rejected as tampered (INFOERROR).</summary>
public sealed record HostInfoOutcome(bool Accepted, InstanceStatus Status, string? ReasonCode, InstanceRow Instance);

/// <summary>A license file ready to send: the seed's file name &lt;INSTANCENAME&gt;_LICENSE and its text.</summary>
public sealed record LicenseDownloadFile(string FileName, string FileText, int Revision, bool NewRevision);

/// <summary>One revision of an instance's license, with its downloads.</summary>
public sealed record LicenseHistoryEntry(int Revision, DateTime IssuedAt, string VendorKeyId, string HostKeyFingerprint, string IssuedBy, IReadOnlyList<LicenseDownloadEntry> Downloads);

public sealed record LicenseDownloadEntry(string UserName, DateTime At, string RemoteAddress);

/// <summary>The host details on file for an instance.</summary>
public sealed record HostDetails(string Mac, string SerialNumber, string HostKeyFingerprint, string CheckCode, DateTime? UploadedAt);
