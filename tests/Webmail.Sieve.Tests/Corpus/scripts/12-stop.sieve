# corpus-messages: list, spam, plain
require "fileinto";
if exists "list-id" { fileinto "Lists"; stop; }
if header :contains "subject" "SPAM" { discard; stop; }
fileinto "Rest";
