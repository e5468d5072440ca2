require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "10" { fileinto "score-high"; }
if header :value "lt" :comparator "i;ascii-numeric" "x-spam-score" "5" { fileinto "score-low"; }
if header :count "ge" :comparator "i;ascii-numeric" "received" "3" { fileinto "hops3"; }
if header :count "eq" :comparator "i;ascii-numeric" "x-priority" "2" { fileinto "two-priorities"; }
if address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "3" { fileinto "three-recipients"; }
if header :value "gt" "subject" "M" { fileinto "subject-after-m"; }
if header :count "ne" :comparator "i;ascii-numeric" "list-id" "0" { fileinto "has-list-id"; }
if header :value "eq" :comparator "i;ascii-numeric" "x-spam-level" "0" { fileinto "infinity-is-not-zero"; }
