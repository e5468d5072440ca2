require ["variables", "fileinto"];
if header :matches "List-Id" "*<*.lists.example.org>" {
    fileinto "lists/${2}";
    stop;
}
if header :matches "subject" "*invoice *" {
    fileinto "invoices/${2}";
}
if address :matches "from" "*@*" {
    set "domain" "${2}";
    set "user" "${1}";
}
fileinto "from/${domain}/${user}";
