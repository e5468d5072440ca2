require "fileinto";
if anyof (exists "cc", exists "list-id") {
    if address :domain "cc" "example.org" {
        fileinto "cc-org";
        if true { stop; }
    }
    fileinto "after-inner";
}
fileinto "end";
