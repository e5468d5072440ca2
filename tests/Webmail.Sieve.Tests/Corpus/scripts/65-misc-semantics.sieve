require ["variables", "fileinto", "relational", "vacation", "comparator-i;ascii-numeric"];
if string :matches "a-b-c" "*-*" { set "first" "${1}"; set "rest" "${2}"; }
if header :value "lt" :comparator "i;octet" ["to", "from"] "b" { set "low" "yes"; }
if size :over 0 { set "size" "positive"; }
if header :contains "subject" "no such words" { set "branch" "one"; }
elsif header :matches "subject" "*e*" { set "branch" "two-${1}"; }
else { set "branch" "three"; }
set :lower "sub" "${branch}";
vacation :subject "Re: ${sub}" :from "Bob <bob@example.net>" :days 2 "Reply for ${first}/${rest}";
fileinto "${first}|${rest}|${low}|${size}|${branch}";
