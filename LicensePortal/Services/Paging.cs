namespace LicensePortal.Services;

/// <summary>Where a page of a listing starts: in 64 bits, so no page number can wrap the offset round to the first page.</summary>
public static class Paging
{
    /// <summary>The highest page (zero-based) the API accepts: with 200 rows a page, 200 million rows in.</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>The rows to skip for a zero-based page; past the end of any table for huge pages, never negative.</summary>
    public static int Offset(int page, int pageSize) => (int)Math.Min((long)Math.Max(page, 0) * Math.Max(pageSize, 0), int.MaxValue);
}
