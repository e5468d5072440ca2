require "vacation";
if address :domain "from" "example.com" {
    vacation :days 3 :subject "Away until Monday" :addresses ["bob@example.net"] "I am away until Monday.";
}
