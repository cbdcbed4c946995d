// Small browser helpers for LicensePortal's Blazor pages.
window.licensePortal = {
    // Saves a file the circuit produced (a license) without putting it at a URL.
    saveFile: async function (fileName, streamReference) {
        const buffer = await streamReference.arrayBuffer();
        const url = URL.createObjectURL(new Blob([buffer], { type: "application/octet-stream" }));
        const link = document.createElement("a");
        link.href = url;
        link.download = fileName;
        link.click();
        URL.revokeObjectURL(url);
    },
    // Whether the screen is at least MudBlazor's md breakpoint wide (the layout's drawer sits beside the page there).
    isWide: function () {
        return window.matchMedia("(min-width: 960px)").matches;
    }
};

// The instances table's editable cells are markup without handlers of their own (EditableCellMarkup.cs): one handler on
// the table body hears every cell. This script runs right after blazor.web.js, before any circuit renders a handler.
(() => {
    if (!window.Blazor) {
        return;
    }
    const cellArgs = event => {
        const input = event.target;
        const row = input instanceof Element ? input.closest("tr[data-id]") : null;
        return {
            row: row ? row.dataset.id : null,
            field: input instanceof HTMLInputElement ? (input.dataset.quota || input.dataset.field || null) : null,
            value: input instanceof HTMLInputElement ? input.value : null,
        };
    };
    Blazor.registerCustomEventType("gridcellchange", { browserEventName: "change", createEventArgs: cellArgs });
})();

// Copies a command shown on a page (the instance page's host agent commands); rejects where the browser has no clipboard (plain http).
window.licensePortal.copyText = function (text) {
    return navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject(new Error("The clipboard is not available on this page."));
};

// Escape closes the phone's menu (the temporary drawer, open while its scrim is shown), as MudDrawer's overlay does,
// and gives the focus back to the menu button. A listener here, not a Blazor handler: no server round trip per key.
document.addEventListener("keydown", event => {
    const scrim = document.getElementById("drawer-scrim");
    if (event.key !== "Escape" || !scrim) {
        return;
    }
    scrim.click();
    document.getElementById("drawer-toggle")?.focus();
});

// The account pages' copy buttons (<portal-copy>, AccountMarkup.cs): those pages have no circuit, so the copy and its
// "Copied" happen here, said in the live region the button names.
document.addEventListener("click", async event => {
    const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) {
        return;
    }
    const status = document.getElementById(button.dataset.copyStatus);
    try {
        await window.licensePortal.copyText(button.dataset.copy);
        status.textContent = button.dataset.copied;
    } catch {
        status.textContent = button.dataset.copyFailed;
    }
});
