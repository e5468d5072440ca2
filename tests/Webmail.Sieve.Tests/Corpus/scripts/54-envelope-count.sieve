require ["fileinto", "relational", "comparator-i;ascii-numeric", "envelope"];
if envelope :count "eq" :comparator "i;ascii-numeric" ["to", "from"] "2" { fileinto "env-count-2"; }
if envelope :value "gt" :localpart "from" "rabbit" { fileinto "env-value"; }
