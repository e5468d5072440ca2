# corpus-messages: odd-addresses, plain
require ["fileinto", "variables", "relational", "comparator-i;ascii-numeric"];
if address :is "from" "bob@example.net" { fileinto "comment-ignored"; }
if address :localpart :matches "to" "*" { fileinto "to-local-[${1}]"; }
if address :all :is "to" "uni@example.net" { fileinto "second-to"; }
if address :domain :is "cc" "example.com" { fileinto "cc-domain-casemap"; }
if address :domain :is :comparator "i;octet" "cc" "Example.COM" { fileinto "cc-domain-octet"; }
if address :count "eq" :comparator "i;ascii-numeric" "cc" "2" { fileinto "two-cc"; }
if header :matches "x-raw" "*" { fileinto "raw-[${1}]"; }
if header :matches "x-broken" "*" { fileinto "broken-[${1}]"; }
if header :matches "x-spaces" "*" { fileinto "spaces-[${1}]"; }
if header :matches "subject" "*" { fileinto "subject-[${1}]"; }
if header :matches "from" "*" { fileinto "from-[${1}]"; }
if address :is "reply-to" "cafe@example.net" { fileinto "encoded-name"; }
