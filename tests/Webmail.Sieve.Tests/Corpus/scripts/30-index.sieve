# corpus-messages: received, plain, group
require ["index", "date", "fileinto"];
if header :index 2 :contains "received" "mx2.example.org" { fileinto "second-received"; }
if header :index 1 :last :contains "received" "client.example.org" { fileinto "last-received"; }
if header :index 2 :is "x-priority" "3" { fileinto "second-priority"; }
if header :index 9 :contains "received" "" { fileinto "never"; }
if address :index 2 :is "cc" "dave@example.org" { fileinto "second-cc"; }
if date :index 1 :is "date" "year" "2026" { fileinto "date-index"; }
