using Microsoft.AspNetCore.Components;

namespace LicensePortal.Components.Pages.Instances;

/// <summary>
/// What the browser reports of an editable cell of the instances table: the row's instance id (the row's
/// <c>data-id</c>), the cell's field (its input's <c>data-quota</c> or <c>data-field</c>) and the input's text.
/// Made by wwwroot-assets/portal.js. Everything in it is the browser's word: the page acts only on rows it shows, and
/// the service checks the rest.
/// </summary>
public sealed class GridCellEventArgs : EventArgs
{
    public string? Row { get; set; }

    public string? Field { get; set; }

    public string? Value { get; set; }
}

/// <summary>
/// The table's cells are markup without handlers of their own; one handler on the table body hears them all
/// (a handler per input was a delegate, an event binding and two render-tree frames each, held per open page).
/// <c>gridcellchange</c> is the browser's <c>change</c> of any input in the body; <c>gridcellleave</c> is a date cell
/// losing focus (portal.js raises <c>lp-cellleave</c> for it).
/// </summary>
[EventHandler("ongridcellchange", typeof(GridCellEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
[EventHandler("ongridcellleave", typeof(GridCellEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
public static class EventHandlers
{
}
