require "fileinto";
if address :domain :is "from" "example.com" { fileinto "from-example-com"; }
if address :localpart :is "to" "bob" { fileinto "to-bob"; }
if address :all :is "from" "ALICE@example.com" { fileinto "alice"; }
if address :domain :contains ["to", "cc"] "example.org" { fileinto "org"; }
if address :all :matches "reply-to" "*@lists.*" { fileinto "reply-to-list"; }
if address :is "sender" "dev-bounces@lists.example.org" { fileinto "sender"; }
