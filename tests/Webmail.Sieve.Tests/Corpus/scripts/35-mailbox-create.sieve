# corpus-messages: plain
require ["fileinto", "mailbox", "imap4flags"];
fileinto :create "Archive/2026";
fileinto :create :flags "\\Seen" "Archive/Seen";
