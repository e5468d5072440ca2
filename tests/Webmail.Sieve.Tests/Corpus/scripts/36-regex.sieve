# corpus-messages: plain, list, spam, multipart
require ["regex", "variables", "fileinto"];
if header :regex "subject" "^\\[([a-z]+)\\] " { fileinto "tag-${1}"; }
if header :regex "subject" "invoice ([0-9]+)$" { fileinto "invoice-${1}"; }
if address :regex :all "from" "^[a-z]+@example\\.(com|org)$" { fileinto "regex-from"; }
