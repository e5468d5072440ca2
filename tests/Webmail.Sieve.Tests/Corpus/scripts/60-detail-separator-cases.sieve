# corpus-messages: subaddress, odd-addresses, multipart, plain
require ["subaddress", "fileinto", "variables"];
if address :user :matches "to" "*" { fileinto "user-${1}"; }
if address :detail :matches ["to", "cc"] "*" { fileinto "detail-[${1}]"; }
if address :localpart :is "cc" "bob+" { fileinto "local-with-plus"; }
