// Small browser helpers called from Blazor components through JS interop.
window.webmail = window.webmail || {};

// Desktop notifications for new mail (optional: only after the user allowed them).
window.webmail.requestNotifications = async function () {
    if (!("Notification" in window)) return "unsupported";
    if (Notification.permission === "granted") return "granted";
    return await Notification.requestPermission();
};
window.webmail.notify = function (title, body) {
    if (!("Notification" in window) || Notification.permission !== "granted" || document.hasFocus()) return;
    new Notification(title, { body: body, tag: "webmail-new-mail" });
};

// Mailbox keyboard shortcuts. The listener only filters and forwards a key to .NET (which decides
// what it does); it stays out of the way while the user types or a dialog is open.
window.webmail.shortcuts = {
    keys: ["j", "k", "o", "Enter", "r", "a", "f", "c", "#", "/", "?", "Escape"],
    attach: function (dotNet) {
        const handler = function (e) {
            if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
            if (!window.webmail.shortcuts.keys.includes(e.key)) return;
            const t = e.target;
            if (t && (t.isContentEditable || t.closest && t.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"))) return;
            // Enter on a link or button keeps its own meaning; dialogs handle their own keys (Escape closes them).
            if (e.key === "Enter" && t && t.closest && t.closest("a, button, [role=button], [role=menuitem]")) return;
            // Dialogs and menus handle their own keys; Escape also reaches the mailbox for its own help dialog.
            const helpOpen = e.key === "Escape" && document.querySelector(".shortcut-help");
            if (!helpOpen && document.querySelector(".mud-dialog-container, .mud-popover-open")) return;
            e.preventDefault();
            dotNet.invokeMethodAsync("OnShortcutAsync", e.key);
        };
        document.addEventListener("keydown", handler);
        return { dispose: function () { document.removeEventListener("keydown", handler); } };
    }
};

// Keeps the keyboard cursor's row in view.
window.webmail.revealRow = function (messageId) {
    const row = document.querySelector(".message-row[data-message-id='" + messageId + "']");
    if (row) row.scrollIntoView({ block: "nearest" });
};
