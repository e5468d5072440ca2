# corpus-messages: odd-dates, plain
require ["date", "fileinto", "variables", "relational"];
if date :matches "date" "iso8601" "*" { fileinto "date-${1}"; }
if date :matches :originalzone "date" "zone" "*" { fileinto "date-zone-${1}"; }
if date :matches "x-date-no-seconds" "time" "*" { fileinto "no-seconds-${1}"; }
if date :matches "x-date-garbage" "year" "*" { fileinto "garbage-${1}"; }
if date :matches :originalzone "x-date-gmt" "std11" "*" { fileinto "gmt-${1}"; }
if date :matches "x-date-ahead" "date" "*" { fileinto "ahead-utc-${1}"; }
if date :matches :originalzone "x-date-ahead" "weekday" "*" { fileinto "ahead-weekday-${1}"; }
if date :matches :zone "+1400" "x-date-gmt" "julian" "*" { fileinto "gmt-julian-${1}"; }
if currentdate :is "zone" "+0000" { fileinto "current-zone-utc"; }
if exists "x-empty" { fileinto "empty-exists"; }
if header :is "x-empty" "" { fileinto "empty-is-empty"; }
if header :contains "x-empty" "" { fileinto "empty-contains"; }
