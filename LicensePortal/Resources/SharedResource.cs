namespace LicensePortal.Resources;

/// <summary>Marker type for the portal's UI text (SharedResource.resx: English; SharedResource.zh-Hans.resx: Simplified Chinese).</summary>
public sealed class SharedResource;
