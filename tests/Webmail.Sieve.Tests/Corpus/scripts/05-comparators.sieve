require ["fileinto"];
if header :is "subject" "scanned DOCUMENT" { fileinto "casemap-is"; }
if header :is :comparator "i;octet" "subject" "scanned DOCUMENT" { fileinto "octet-is"; }
if header :contains :comparator "i;octet" "subject" "WON" { fileinto "octet-contains"; }
if header :contains :comparator "i;ascii-casemap" "subject" "won" { fileinto "casemap-contains"; }
if header :matches :comparator "i;octet" "subject" "*lunch*" { fileinto "octet-matches"; }
