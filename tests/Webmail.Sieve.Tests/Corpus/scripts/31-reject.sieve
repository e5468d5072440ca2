# corpus-messages: spam, plain
require "reject";
if header :contains "subject" ["SPAM", "WON"] {
    reject "No spam here, thanks.";
}
