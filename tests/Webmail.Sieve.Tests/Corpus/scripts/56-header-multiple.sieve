require ["fileinto", "variables"];
if header :contains ["to", "cc"] ["carol", "jörg"] { fileinto "to-or-cc"; }
if header :is "x-priority" "3" { fileinto "any-priority-3"; }
if header :contains "received" "client.example.org" { fileinto "any-received"; }
if header :matches "received" "from * by *;*" { fileinto "received-${1}-${2}"; }
if exists "Subject" { fileinto "has-subject"; }
