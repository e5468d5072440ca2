require ["variables", "fileinto"];
set "x" "start";
if header :matches "subject" "no-match-*" { set "x" "${1}"; }
if anyof (header :matches "from" "*@*", header :matches "subject" "*") { set "y" "${2}"; }
if header :matches "subject" "*" { set "z" "${1}"; }
if header :matches "to" "*" { }
fileinto "${x}/${y}/${0}";
