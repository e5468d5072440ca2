require ["imap4flags", "fileinto"];
if header :contains "subject" "lunch" { addflag "\\Flagged"; }
if exists "x-spam-flag" { setflag ["\\Seen", "$Junk"]; fileinto "Junk"; }
addflag "Checked Reviewed";
if hasflag :contains "junk" { removeflag "Reviewed"; }
if hasflag :is "\\flagged" { fileinto :flags "Important" "Flagged"; }
