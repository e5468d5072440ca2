require ["variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
if header :matches "subject" "*" { set "subject" "${1}"; }
if string :contains "${subject}" "lunch" { fileinto "s-lunch"; }
if string :is "${subject}" "" { fileinto "s-empty"; }
if string :matches ["${subject}", "x"] "x" { fileinto "s-list"; }
if string :count "eq" :comparator "i;ascii-numeric" ["a", "", "b"] "2" { fileinto "s-count"; }
