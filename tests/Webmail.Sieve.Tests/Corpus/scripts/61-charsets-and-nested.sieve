# corpus-messages: forwarded, multipart, plain
require ["body", "fileinto"];
if body :contains "información" { fileinto "latin1-body"; }
if body :contains "Mañana" { fileinto "latin1-body-n"; }
if body :contains "kangaroo" { fileinto "nested-body-text"; }
if body :content "message/rfc822" :contains "kangaroo" { fileinto "nested-content"; }
if body :content "text/plain" :contains "kangaroo" { fileinto "nested-plain"; }
if header :contains "subject" "Información" { fileinto "latin1-subject"; }
if header :contains "subject" "Original inner" { fileinto "never-inner-header"; }
if address :is "from" "jose@example.es" { fileinto "from"; }
if header :contains "from" "José" { fileinto "from-name"; }
if body :content "message/rfc822" :contains "Original inner subject" { fileinto "nested-header"; }
if body :content "multipart" :contains "multi-part message" { fileinto "prologue"; }
if body :content "" :contains "kangaroo" { fileinto "any-type"; }
