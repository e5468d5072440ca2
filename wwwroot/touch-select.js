// Selection by touch in the message list, as phones do it: a long press on a row selects it (and so
// starts selection mode), and while any row on the page is selected a tap on a row toggles it instead
// of opening it. Only touch input changes: a mouse click still opens the message and the row's
// checkbox still works as before. The script only clicks the row's own checkbox, so the selection
// rule stays in MailboxState.SelectRow.
(function () {
    const holdMs = 500;
    const slopPx = 10;
    let press = null;          // { row, x, y, timer }
    let swallowClick = false;  // the click that ends a long press must not open the message
    let lastPointer = "mouse";

    function rowOf(target) {
        if (!(target instanceof Element) || target.closest(".list-check-target, .star"))
            return null;
        return target.closest(".message-list .message-row");
    }

    function toggle(row) {
        row.querySelector("input.list-check")?.click();
    }

    function cancel() {
        if (press) clearTimeout(press.timer);
        press = null;
    }

    document.addEventListener("pointerdown", e => { lastPointer = e.pointerType; }, true);

    document.addEventListener("touchstart", e => {
        cancel();
        swallowClick = false; // a long press may end without a click (the browser's own menu took it)
        const row = e.touches.length === 1 ? rowOf(e.target) : null;
        if (!row)
            return;
        const touch = e.touches[0];
        press = {
            row, x: touch.clientX, y: touch.clientY,
            timer: setTimeout(() => {
                press = null;
                swallowClick = true;
                toggle(row);
                if (navigator.vibrate) navigator.vibrate(20);
            }, holdMs)
        };
    }, { capture: true, passive: true });

    document.addEventListener("touchmove", e => {
        if (!press) return;
        const touch = e.touches[0];
        if (Math.abs(touch.clientX - press.x) > slopPx || Math.abs(touch.clientY - press.y) > slopPx)
            cancel(); // a scroll, not a press
    }, { capture: true, passive: true });
    document.addEventListener("touchend", cancel, true);
    document.addEventListener("touchcancel", cancel, true);

    // The long press's own menu (copy link, open in new tab) would cover the row it just selected.
    document.addEventListener("contextmenu", e => {
        if (lastPointer === "touch" && rowOf(e.target))
            e.preventDefault();
    }, true);

    document.addEventListener("click", e => {
        const row = rowOf(e.target);
        if (!row)
            return;
        if (swallowClick) {
            swallowClick = false;
            e.preventDefault();
            e.stopPropagation();
            return;
        }
        // In selection mode a tap toggles the row; a mouse click still opens it.
        if (lastPointer === "touch" && row.closest(".message-list").querySelector(".message-row--selected")) {
            e.preventDefault();
            e.stopPropagation();
            toggle(row);
        }
    }, true);
})();
