require ["envelope", "fileinto"];
if envelope :domain :is "from" "example.org" { fileinto "env-from-org"; }
if envelope :localpart :is "to" "bob+sieve" { fileinto "env-to-local"; }
if envelope :all :matches "to" "bob*@example.net" { fileinto "env-to-all"; }
if envelope :is "from" "someone@else.example" { fileinto "never"; }
