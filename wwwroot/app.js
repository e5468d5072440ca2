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
