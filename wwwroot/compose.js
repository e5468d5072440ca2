// The composer's browser side: the rich-text editor, the file picker trigger and leave-page
// protection. Loaded as an ES module by the composer components.

export function initEditor(element, dotnet, html, focus) {
    // The editor is on screen (and focusable) before this module arrives over the circuit. Whatever
    // the user typed meanwhile stays, first, with the caret where it is; the initial content follows.
    const typed = element.innerHTML !== "";
    if (!typed)
        element.innerHTML = html || "";
    else if (html)
        element.insertAdjacentHTML("beforeend", html);
    let timer = null;
    element.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(() => dotnet.invokeMethodAsync("OnEditorChanged", element.innerHTML, element.innerText), 250);
    });
    if (typed)
        element.dispatchEvent(new Event("input"));
    else if (focus)
        caretAtStart(element);
}

function caretAtStart(element) {
    element.focus();
    const range = document.createRange();
    range.setStart(element, 0);
    range.collapse(true);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    element.scrollTop = 0;
    element.scrollIntoView({ block: "nearest" });
}

// The caret at the top of a text box (a reply's body: above the quote).
export function focusStart(id) {
    const element = document.getElementById(id);
    if (!element)
        return;
    element.focus();
    if (element.setSelectionRange)
        element.setSelectionRange(0, 0);
    element.scrollTop = 0;
    element.scrollIntoView({ block: "nearest" });
}

export function readEditor(element) {
    return { html: element.innerHTML, text: element.innerText };
}

export function exec(element, command, value) {
    element.focus();
    document.execCommand(command, false, value ?? null);
    element.dispatchEvent(new Event("input"));
}

// Dropped files go into the attachment input as if picked, so one upload path serves both.
export function initDropZone(zone, inputId) {
    zone.addEventListener("dragover", e => {
        e.preventDefault();
        zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", e => {
        e.preventDefault();
        zone.classList.remove("dragging");
        const input = document.getElementById(inputId);
        if (!input || !e.dataTransfer || e.dataTransfer.files.length === 0)
            return;
        input.files = e.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
    });
}

export function openPicker(id) {
    document.getElementById(id)?.click();
}
