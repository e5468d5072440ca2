require ["imap4flags", "variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
addflag "mine" "One";
addflag "mine" ["Two", "one"];
if hasflag "mine" "two" { addflag "Hit"; }
if hasflag :count "ge" :comparator "i;ascii-numeric" "mine" "2" { fileinto :flags "${mine}" "Tagged"; }
