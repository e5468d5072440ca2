// The composer's address fields (To, Cc, Bcc) in the browser: where one address ends is decided here,
// as the user types, not on the server's round trip. When a separator ends an entry the box keeps only
// the text after it, and the whole entries go to the component (AddressInput.TakeEntries) before the
// input event that carries the rest: calls and events travel the circuit in order, so the server never
// changes the box under the user's fingers and no keystroke typed meanwhile is lost. The server splits
// the entries it is handed (AddressField.Split), and splits alike a value that arrives with a separator
// in it (a box the component has not attached yet).
(function () {
    const boxClass = "compose-address-input";
    const pasting = new WeakSet();
    const components = new WeakMap();

    window.webmail = window.webmail || {};
    window.webmail.addressField = {
        attach: function (box, component) { components.set(box, component); },
        separators: separators
    };

    // The positions of the ',' and ';' that separate addresses. The same rule as AddressField.Separators (C#),
    // which splits what the server is handed; AddressFieldParityTests holds the two equal on a corpus and on random
    // text. RFC 5322 §3.2.2 and §3.2.4: a comma inside a quoted display name ("Doe, Jane" <jane@x.example>, with \"
    // escapes), inside <...> or inside a comment ends nothing.
    function separators(text) {
        let quoted = false, angled = false, escaped = false, comment = 0;
        const found = [];
        for (let i = 0; i < text.length; i++) {
            const c = text[i];
            if (escaped) { escaped = false; continue; }
            if (c === "\\" && (quoted || comment > 0)) escaped = true;
            else if (c === "\"" && comment === 0) quoted = !quoted;
            else if (quoted) continue;
            else if (c === "(") comment++;
            else if (c === ")" && comment > 0) comment--;
            else if (comment > 0) continue;
            else if (c === "<") angled = true;
            else if (c === ">") angled = false;
            else if ((c === "," || c === ";") && !angled) found.push(i);
        }
        return found;
    }

    function lastSeparator(text) {
        const found = separators(text);
        return found.length > 0 ? found[found.length - 1] : -1;
    }

    function isAddressBox(target) {
        return target instanceof HTMLInputElement && target.classList.contains(boxClass) && components.has(target);
    }

    // Leaves `rest` in the box (the caret where it was, relative to the text kept) and hands `entries` to the server.
    function hand(box, entries, rest) {
        const caret = box.selectionStart === null ? rest.length : Math.max(0, box.selectionStart - (box.value.length - rest.length));
        box.value = rest;
        box.setSelectionRange(caret, caret);
        if (entries.trim().length > 0)
            components.get(box).invokeMethodAsync("TakeEntries", entries);
    }

    document.addEventListener("paste", e => { if (isAddressBox(e.target)) pasting.add(e.target); }, true);

    // Capture phase: this runs before Blazor's own listener reads the box's value for the input event.
    document.addEventListener("input", e => {
        const box = e.target;
        if (!isAddressBox(box))
            return;
        const text = box.value;
        if (e.inputType === "insertFromPaste" || pasting.has(box)) {
            // A paste ends every entry it holds, the last one too.
            pasting.delete(box);
            hand(box, text, "");
            return;
        }
        const at = lastSeparator(text);
        if (at >= 0)
            hand(box, text.slice(0, at + 1), text.slice(at + 1).trimStart());
        else if (text !== text.trimStart())
            hand(box, "", text.trimStart()); // an address never starts with a space
    }, true);

    // Enter ends the entry being typed, unless suggestions found for exactly that text are open (then the server
    // picks the first one). Suggestions for an earlier text ("d" while the box holds "d@w.example") are stale.
    function suggestionsFor(box) {
        return box.getAttribute("aria-expanded") === "true" && box.dataset.suggestedFor === box.value.trim();
    }

    document.addEventListener("keydown", e => {
        const box = e.target;
        if (e.key !== "Enter" || !isAddressBox(box) || suggestionsFor(box) || box.value.trim().length === 0)
            return;
        hand(box, box.value, "");
        box.dispatchEvent(new Event("input", { bubbles: true }));
    }, true);
})();
