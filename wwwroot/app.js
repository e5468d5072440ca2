// Small browser helpers called from Blazor components through JS interop.
window.webmail = window.webmail || {};

// The browser's IANA time zone ("Europe/Berlin"), for showing times in the user's zone.
window.webmail.timeZone = function () {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
};

// Notes the browser's prefers-color-scheme in a cookie, so the next prerendered page starts in it.
window.webmail.noteColorScheme = function (name, scheme) {
    document.cookie = name + "=" + scheme + "; path=/; max-age=31536000; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
};

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
    keys: ["j", "k", "o", "Enter", "r", "a", "f", "c", "#", "/", "?", "Escape", "e", "s", "x", "u", "z", "I", "U", "g", "i", "d", "!"],
    attach: function (dotNet) {
        // The shortcut help's dialogs that an Escape has already asked the mailbox to close. Until the
        // circuit's answer removes one from the page, it is a dialog only to the eye: the circuit handles
        // keys in order, so a key pressed in that moment is the mailbox's (it used to be dropped as the
        // dialog's, and "Escape, c" lost the c).
        const closing = new WeakSet();
        const handler = function (e) {
            if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
            if (!window.webmail.shortcuts.keys.includes(e.key)) return;
            const t = e.target;
            if (t && (t.isContentEditable || t.closest && t.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"))) return;
            // Enter on a link or button keeps its own meaning.
            if (e.key === "Enter" && t && t.closest && t.closest("a, button, [role=button], [role=menuitem]")) return;
            // Escape on the shortcut help closes it: the mailbox's own dialog (it leaves Escape to the mailbox).
            const help = document.querySelector(".shortcut-help");
            const helpDialog = help && (help.closest(".mud-dialog-container") || help);
            if (e.key === "Escape" && helpDialog && !closing.has(helpDialog)) {
                closing.add(helpDialog);
                e.preventDefault();
                dotNet.invokeMethodAsync("OnShortcutAsync", e.key);
                return;
            }
            // Other dialogs and menus handle their own keys.
            const open = document.querySelectorAll(".mud-dialog-container, .mud-popover-open");
            for (const element of open) {
                if (!closing.has(element)) return;
            }
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

// Opens a conversation at one of its messages (the first unread): that message at the top of the pane.
window.webmail.revealMessage = function (messageId) {
    const item = document.querySelector(".conversation-item[data-message-id='" + messageId + "']");
    if (item) item.scrollIntoView({ block: "start" });
};

// The HTML body's frame, sized to its content (no scroll box inside the page) and a mail wider than the
// pane (a 600 px newsletter on a phone) zoomed out to fit. The frame is sandboxed without scripts; it
// allows same-origin only so that this script may measure it. Its document runs nothing of its own.
window.webmail.fitFrame = function (frame) {
    const doc = frame.contentDocument;
    if (!doc || !doc.documentElement || !doc.body) return;
    const root = doc.documentElement;
    let width = -1;
    const zoomToWidth = function () {
        width = frame.clientWidth;
        root.style.zoom = "";
        const natural = Math.max(root.scrollWidth, doc.body.scrollWidth);
        if (width > 0 && natural > width + 1) root.style.zoom = String(width / natural);
    };
    const fitHeight = function () {
        // The root's box, already zoomed (its scrollHeight never drops below the frame's height, so a folded quote could not shrink it).
        frame.style.height = Math.ceil(root.getBoundingClientRect().height) + "px";
    };
    zoomToWidth();
    fitHeight();
    // Pictures arriving, a folded quote opened, the pane or the phone turned: measure again.
    const observer = new ResizeObserver(function () {
        if (!frame.isConnected || frame.contentDocument !== doc) { observer.disconnect(); return; }
        if (frame.clientWidth !== width) zoomToWidth();
        fitHeight();
    });
    observer.observe(frame);
    observer.observe(doc.body);
};
document.addEventListener("load", function (e) {
    const t = e.target;
    if (t && t.matches && t.matches("iframe.reader-body-frame")) window.webmail.fitFrame(t);
}, true);
// A frame that finished loading before this script ran (a prerendered page).
document.querySelectorAll("iframe.reader-body-frame").forEach(function (frame) {
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") window.webmail.fitFrame(frame);
});
