require ["subaddress", "envelope", "fileinto"];
if address :detail "to" "news" { fileinto "detail-news"; }
if address :user "to" "bob" { fileinto "user-bob"; }
if address :detail :is "cc" "" { fileinto "empty-detail"; }
if address :detail :matches "to" "*" { fileinto "any-detail"; }
if envelope :detail "to" "sieve" { fileinto "env-detail"; }
if envelope :user "to" "bob" { fileinto "env-user"; }
if address :detail "to" "shopping" { fileinto "shopping"; }
