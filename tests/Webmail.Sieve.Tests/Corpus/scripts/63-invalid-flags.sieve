# corpus-messages: plain, list
require ["imap4flags", "fileinto", "variables"];
setflag ["\\Unknown", "a(b", "ok", "\\Deleted", "\\Recent", "\\answered", "x]y", "%p", "*s", "ünï"];
if header :contains "subject" "lunch" { fileinto :flags ["\\Seen", "Good"] "Flagged"; }
set "f" "A";
addflag "f" "  B   C  ";
removeflag "f" "c";
if exists "list-id" { keep :flags "${f}"; }
