# corpus-messages: received, plain, group, list, odd-addresses
require ["relational", "fileinto", "comparator-i;ascii-numeric"];
if header :count "gt" "received" "10" { fileinto "count-as-text-3-after-10"; }
if header :count "gt" :comparator "i;ascii-numeric" "received" "10" { fileinto "never-numeric"; }
if header :value "eq" "subject" "RELAYED" { fileinto "value-eq-casemap"; }
if header :value "ge" :comparator "i;octet" "subject" "a" { fileinto "octet-lower-after-upper"; }
if address :count "ge" :comparator "i;ascii-numeric" ["to", "cc", "bcc"] "3" { fileinto "many-recipients"; }
if header :count "eq" :comparator "i;ascii-numeric" ["to", "cc", "x-none"] "2" { fileinto "two-fields"; }
if header :value "ne" "x-none" "" { fileinto "never-absent"; }
if not header :value "ne" "subject" ["a", "b"] { fileinto "never-ne"; }
