require "fileinto";
if header :contains "subject" "lunch" {
    fileinto "Lunch";
} elsif header :contains "subject" ["invoice", "receipt"] {
    fileinto "Invoices";
} elsif header :contains "subject" "" {
    fileinto "Other";
} else {
    keep;
}
