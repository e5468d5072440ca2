# corpus-messages: group, plain, encoded
require ["fileinto", "relational", "comparator-i;ascii-numeric"];
if address :is "cc" "ben@example.com" { fileinto "group-member"; }
if address :count "eq" :comparator "i;ascii-numeric" "cc" "3" { fileinto "three-cc"; }
if address :count "eq" :comparator "i;ascii-numeric" "to" "0" { fileinto "empty-to"; }
if header :is "subject" "A subject folded over two lines" { fileinto "unfolded"; }
if header :contains "cc" "Team:" { fileinto "header-raw-group"; }
