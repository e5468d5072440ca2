# corpus-messages: plain, received, odd-dates
require ["date", "relational", "fileinto"];
if date :is "date" "year" "2026" { fileinto "y2026"; }
if date :is :originalzone "date" "zone" "+0100" { fileinto "zone-plus1"; }
if date :is "date" "zone" "+0000" { fileinto "zone-local-utc"; }
if date :is :zone "-0500" "date" "date" "2026-12-04" { fileinto "date-minus5"; }
if date :value "ge" "date" "hour" "12" { fileinto "afternoon"; }
if date :is "date" "weekday" "5" { fileinto "friday"; }
if date :is "date" "month" "12" { fileinto "december"; }
if date :is "date" "time" "11:34:56" { fileinto "time"; }
if date :is "date" "julian" "61378" { fileinto "julian"; }
if date :is "date" "iso8601" "2026-12-04T11:34:56+00:00" { fileinto "iso8601"; }
if date :is :originalzone "date" "std11" "Fri, 04 Dec 2026 12:34:56 +0100" { fileinto "std11"; }
if date :is "resent-date" "day" "04" { fileinto "resent-utc-day"; }
if date :is "x-no-such-date" "year" "2026" { fileinto "never"; }
