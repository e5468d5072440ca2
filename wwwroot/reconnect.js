// The connection bar: replaces Blazor's "Rejoin failed…" dialog (components-reconnect-modal), which greys out the
// whole page, with a slim bar over the app bar. Blazor finds the element by its id, leaves its own dialog out, and
// tells the element what the circuit does through "components-reconnect-state-changed".
(function () {
    const bar = document.getElementById("components-reconnect-modal");
    if (!bar)
        return;
    const text = bar.querySelector(".reconnect-text");
    const retry = bar.querySelector(".reconnect-retry");

    function show(message, canRetry) {
        text.textContent = message;
        retry.hidden = !canRetry;
        bar.hidden = false;
    }

    async function retryNow() {
        show("Reconnecting…", false);
        // A server that no longer knows this circuit (restarted, or it was let go) answers false: load the page again,
        // which comes back to the same folder and message because the URL names them.
        if (!(await Blazor.reconnect()))
            location.reload();
    }

    function retryWhenVisible() {
        if (document.visibilityState === "visible")
            retryNow();
    }

    retry.addEventListener("click", retryNow);
    bar.addEventListener("components-reconnect-state-changed", function (e) {
        const state = e.detail && e.detail.state;
        document.removeEventListener("visibilitychange", retryWhenVisible);
        switch (state) {
            case "show":
            case "retrying":
                show("Reconnecting…", false);
                break;
            case "hide":
                bar.hidden = true;
                break;
            case "failed":
                show("The connection to the server was lost.", true);
                document.addEventListener("visibilitychange", retryWhenVisible);
                break;
            case "rejected":
                // The server ended this circuit: what is on screen cannot be brought back to life, the page can.
                show("Reloading…", false);
                location.reload();
                break;
        }
    });
})();
