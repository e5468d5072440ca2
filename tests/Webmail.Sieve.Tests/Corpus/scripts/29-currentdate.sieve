require ["date", "relational", "fileinto"];
if currentdate :value "ge" "year" "2020" { fileinto "after-2020"; }
if currentdate :value "lt" "year" "2000" { fileinto "before-2000"; }
if currentdate :zone "+0000" :matches "iso8601" "*T*" { fileinto "iso"; }
