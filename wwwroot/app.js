// Small browser helpers called from Blazor components through JS interop.
window.webmail = window.webmail || {};
