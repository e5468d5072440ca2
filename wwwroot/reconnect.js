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
        try {
            // A server that no longer knows this circuit answers false; then a new circuit from the state the server
            // kept, and failing that the page again, which comes back to the same folder and message (the URL names them).
            if (!(await Blazor.reconnect()) && !(await Blazor.resumeCircuit()))
                location.reload();
        } catch {
            show("The connection to the server was lost.", true);
            document.addEventListener("visibilitychange", retryWhenVisible);
        }
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
            case "paused":
                show("Paused to save resources.", true);
                break;
            case "rejected":
            case "resume-failed":
                // The server ended this circuit: what is on screen cannot be brought back to life, the page can.
                show("Reloading…", false);
                location.reload();
                break;
        }
    });
})();
