require ["imap4flags", "fileinto"];
addflag ["\\SEEN", "\\seen", "Work", "work", "$Label1"];
removeflag "WORK";
if hasflag :is "\\Seen" { fileinto "seen"; }
if hasflag :count "eq" :comparator "i;ascii-numeric" "2" { addflag "Two"; }
if exists "list-id" { setflag ""; }
