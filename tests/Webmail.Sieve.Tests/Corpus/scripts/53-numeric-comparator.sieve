require ["fileinto", "relational", "comparator-i;ascii-numeric"];
if header :is :comparator "i;ascii-numeric" "x-spam-score" "017" { fileinto "numeric-is"; }
if header :value "gt" :comparator "i;ascii-numeric" "x-priority" "2" { fileinto "priority-gt2"; }
if header :value "lt" :comparator "i;ascii-numeric" "subject" "5" { fileinto "subject-not-a-number"; }
if header :value "gt" :comparator "i;ascii-numeric" "subject" "99999" { fileinto "infinity-is-big"; }
if envelope :count "eq" :comparator "i;ascii-numeric" "to" "1" { fileinto "never-no-envelope-require"; }
