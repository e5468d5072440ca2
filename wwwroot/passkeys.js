// Passkeys (WebAuthn): the browser's half. Settings calls webmail.passkeys.create over the circuit to
// register one; the sign-in pages have buttons marked data-passkey-signin, handled here, that talk to
// /signin/passkey/options and /signin/passkey. WebAuthn wants bytes where JSON has strings: the server
// sends and expects them base64url-encoded (WebAuthn Level 3's JSON form), converted here both ways.
window.webmail = window.webmail || {};
(function () {
    function toBytes(text) {
        const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
        return Uint8Array.from(atob(base64), c => c.charCodeAt(0)).buffer;
    }
    function toText(buffer) {
        let binary = "";
        for (const b of new Uint8Array(buffer)) binary += String.fromCharCode(b);
        return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    function descriptors(list) {
        return (list || []).map(d => Object.assign({}, d, { id: toBytes(d.id) }));
    }

    // The browser says why nothing came back only by the error's name: cancelled or timed out
    // (NotAllowedError), or this authenticator already holds a passkey for the account (InvalidStateError).
    function reason(e) {
        if (e && e.name === "InvalidStateError") return "This device or password manager already has a passkey for your account.";
        if (e && (e.name === "NotAllowedError" || e.name === "AbortError")) return "No passkey was used: the request was cancelled or timed out.";
        if (e && e.name === "SecurityError") return "Passkeys need this site to be opened by its name over HTTPS (or on localhost).";
        return "The browser could not use a passkey" + (e && e.message ? ": " + e.message : ".");
    }

    window.webmail.passkeys = {
        supported: function () { return !!window.PublicKeyCredential; },

        // Returns { credential } (the new PublicKeyCredential as JSON text) or { error }.
        create: async function (optionsJson) {
            if (!window.PublicKeyCredential) return { error: "This browser does not support passkeys." };
            const o = JSON.parse(optionsJson);
            const publicKey = Object.assign({}, o, {
                challenge: toBytes(o.challenge),
                user: Object.assign({}, o.user, { id: toBytes(o.user.id) }),
                excludeCredentials: descriptors(o.excludeCredentials),
            });
            try {
                const c = await navigator.credentials.create({ publicKey });
                return {
                    credential: JSON.stringify({
                        id: c.id, rawId: toText(c.rawId), type: c.type,
                        response: {
                            attestationObject: toText(c.response.attestationObject),
                            clientDataJSON: toText(c.response.clientDataJSON),
                            transports: c.response.getTransports ? c.response.getTransports() : [],
                        },
                        clientExtensionResults: c.getClientExtensionResults(),
                    }),
                };
            } catch (e) {
                return { error: reason(e) };
            }
        },
    };

    async function post(url, body, antiforgery) {
        const response = await fetch(url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "RequestVerificationToken": antiforgery },
            body: JSON.stringify(body),
        });
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(answer.error || "Signing in with a passkey failed. Try again.");
        return answer;
    }

    async function signIn(button) {
        const status = document.getElementById("passkey-status");
        const show = text => { if (status) { status.textContent = text; status.hidden = !text; } };
        const field = document.querySelector("input[name='__RequestVerificationToken']");
        const remember = document.querySelector("input[name='Input.RememberMe']");
        const token = button.dataset.token || null;
        show("");
        if (!window.PublicKeyCredential) { show("This browser does not support passkeys."); return; }
        button.disabled = true;
        try {
            const start = await post("/signin/passkey/options", { token }, field ? field.value : "");
            const o = start.options;
            let c;
            try {
                c = await navigator.credentials.get({ publicKey: Object.assign({}, o, { challenge: toBytes(o.challenge), allowCredentials: descriptors(o.allowCredentials) }) });
            } catch (e) {
                show(reason(e));
                return;
            }
            const done = await post("/signin/passkey", {
                ceremony: start.ceremony,
                token,
                remember: !!(remember && remember.checked),
                returnUrl: button.dataset.returnUrl || null,
                credential: {
                    id: c.id, rawId: toText(c.rawId), type: c.type,
                    response: {
                        authenticatorData: toText(c.response.authenticatorData),
                        clientDataJSON: toText(c.response.clientDataJSON),
                        signature: toText(c.response.signature),
                        userHandle: c.response.userHandle ? toText(c.response.userHandle) : null,
                    },
                    clientExtensionResults: c.getClientExtensionResults(),
                },
            }, field ? field.value : "");
            window.location.assign(done.redirect);
        } catch (e) {
            show(e.message);
        } finally {
            button.disabled = false;
        }
    }

    // Delegated, so it works on pages that Blazor's enhanced navigation put in place without running their scripts.
    document.addEventListener("click", function (e) {
        const button = e.target && e.target.closest ? e.target.closest("[data-passkey-signin]") : null;
        if (!button) return;
        e.preventDefault();
        signIn(button);
    });
})();
