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
    }
};
