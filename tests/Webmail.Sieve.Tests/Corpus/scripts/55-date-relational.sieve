require ["date", "relational", "fileinto", "variables"];
if date :value "ge" "date" "date" "2026-12-01" { fileinto "december-or-later"; }
if date :value "lt" :zone "+1400" "date" "hour" "10" { fileinto "early-in-kiribati"; }
if date :matches :zone "-1200" "date" "date" "*-*-*" { fileinto "baker-${3}"; }
if date :matches "received" "time" "*" { fileinto "received-is-no-date-${1}"; }
if currentdate :zone "+0000" :value "ge" "date" "2000-01-01" { fileinto "now-after-2000"; }
if date :count "ge" :comparator "i;ascii-numeric" "date" "1" { fileinto "has-date"; }
