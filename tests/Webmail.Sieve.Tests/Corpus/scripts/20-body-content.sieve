# corpus-messages: multipart, attachment, forwarded, plain
require ["body", "fileinto"];
if body :content "text/html" :contains "<b>invoice</b>" { fileinto "html"; }
if body :content "text/plain" :contains "Amount due" { fileinto "plain"; }
if body :content "application/pdf" :contains "SECRETWORD" { fileinto "pdf"; }
if body :content "application" :contains "fake pdf" { fileinto "application"; }
if body :content ["image", "audio"] :contains "x" { fileinto "never"; }
